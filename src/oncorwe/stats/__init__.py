"""oncorwe.stats"""
