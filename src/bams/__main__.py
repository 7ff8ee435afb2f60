from bams.cli import app

app(prog_name="bams")
