"""oncorwe.cohort"""
