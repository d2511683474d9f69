from oncorwe.cli import run

run()
