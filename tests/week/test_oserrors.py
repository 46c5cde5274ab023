"""OSErrors become one plain line naming the file."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest

from pipeline.oserrors import explain_os_error


def test_read_only_names_the_file() -> None:
    exc = OSError(errno.EROFS, os.strerror(errno.EROFS), "/srv/show/episodes/x.toml")
    assert explain_os_error(exc) == (
        "/srv/show/episodes/x.toml: the folder is read-only "
        "(a read-only mount or a write-protected card?)"
    )


def test_busy_port_from_a_real_bind() -> None:
    with socket.socket() as first:
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        with socket.socket() as second, pytest.raises(OSError) as caught:
            second.bind(("127.0.0.1", port))
    assert "port is already in use" in explain_os_error(caught.value)


def test_real_permission_error_and_unknown_errno(tmp_path: Path) -> None:
    with pytest.raises(OSError) as caught:
        (tmp_path / "missing" / "x").write_text("x")
    assert explain_os_error(caught.value) == f"{tmp_path / 'missing' / 'x'}: no such file or folder"
    odd = OSError(errno.ENOTTY, "Inappropriate ioctl for device")
    assert explain_os_error(odd) == "Inappropriate ioctl for device"
