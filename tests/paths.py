"""Where the suite finds the project's files, wherever a test module sits."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = ROOT / "fixtures"
FIXTURES = sorted(str(p) for p in FIXTURE_DIR.glob("*.json"))
