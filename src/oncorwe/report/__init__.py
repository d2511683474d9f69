"""oncorwe.report"""
