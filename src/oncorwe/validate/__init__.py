"""oncorwe.validate"""
