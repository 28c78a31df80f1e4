"""Keep README.md true: its first commands are the two commands, and it documents every variable."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ_ENV = re.compile(r"""env_(?:str|bool|int|list|choice)\(\s*"([A-Z_]+)"|os\.environ\.get\("([A-Z_]+)\"""")


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = set()
    for path in [*ROOT.glob("backend/*.py"), *ROOT.glob("apps/**/*.py"), ROOT / "scripts/dev.py"]:
        for match in READ_ENV.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    assert len(names) > 20
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []


def test_the_readme_opens_with_the_two_commands():
    first_block = (ROOT / "README.md").read_text().split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["python3.11 scripts/dev.py up", "python3.11 scripts/dev.py test"]
    assert "scripts/dev.py test" in (ROOT / ".ci/run").read_text()
