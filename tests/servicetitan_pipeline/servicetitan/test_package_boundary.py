"""The API client stands on its own: it needs none of the project's database code."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_client_loads_no_database_module() -> None:
    # A fresh interpreter: this test process has imported db/ already.
    script = (
        "import sys\n"
        "import servicetitan_pipeline.servicetitan.client\n"
        "print('\\n'.join(m for m in sys.modules if m.split('.')[:2] == ['servicetitan_pipeline', 'db']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == []
