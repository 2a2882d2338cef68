"""A stand-in for the machine's ``sendmail`` program: a shell script that keeps what it gets.

Installed at the app's ``SENDMAIL_PATH`` (which tests otherwise point at nothing, a machine
without a mail transfer agent), it writes each call's arguments and message to a folder
beside it, or fails as a real one can (an exit status and a line on stderr).
"""

from __future__ import annotations

import email
import os
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

SCRIPT = """#!/bin/sh
dir="$0.sent"
mkdir -p "$dir"
n=$(ls "$dir" | grep -c args)
printf '%s\\n' "$@" > "$dir/$n.args"
cat > "$dir/$n.eml"
if [ -n "{fail}" ]; then
    echo "{fail}" >&2
    exit 75
fi
"""


@dataclass
class Sent:
    args: list[str]
    message: EmailMessage


class FakeSendmail:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.install()

    def install(self, fail: str = "") -> None:
        self.path.write_text(SCRIPT.replace("{fail}", fail))
        os.chmod(self.path, 0o755)

    @property
    def sent(self) -> list[Sent]:
        folder = Path(f"{self.path}.sent")
        if not folder.is_dir():
            return []
        out = []
        for n in range(len(list(folder.glob("*.args")))):
            args = (folder / f"{n}.args").read_text().splitlines()
            with open(folder / f"{n}.eml", "rb") as handle:
                message = email.message_from_binary_file(handle, policy=policy.default)
            out.append(Sent(args, message))
        return out
