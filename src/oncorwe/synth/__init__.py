"""oncorwe.synth"""
