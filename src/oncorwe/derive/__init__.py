"""oncorwe.derive"""
