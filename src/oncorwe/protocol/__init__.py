"""oncorwe.protocol"""
