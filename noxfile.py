"""Developer sessions: tests, tests_wheel, lint, typing, docs and bench."""

from __future__ import annotations

import glob
import shutil
import tempfile

import nox

nox.options.sessions = ["tests", "lint", "typing", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
SOURCES = ["src", "tests", "benchmarks", "scripts", "noxfile.py", "docs_hooks.py"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite against an editable install."""
    session.install("-e", ".[service,test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def tests_wheel(session: nox.Session) -> None:
    """The test suite against the built wheel, so a missing package-data file fails."""
    session.install("build")
    dist = tempfile.mkdtemp()
    session.run("python", "-m", "build", "--wheel", "--outdir", dist)
    wheel = glob.glob(f"{dist}/*.whl")[0]
    session.install(f"{wheel}[service,test]")
    # Run from a copy of the tests so `src/` cannot shadow the installed wheel.
    workdir = tempfile.mkdtemp()
    shutil.copytree("tests", f"{workdir}/tests")
    shutil.copy("pyproject.toml", f"{workdir}/pyproject.toml")
    with session.chdir(workdir):
        session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict over the package and the type-only API test."""
    session.install("-e", ".[service,test,lint]")
    session.run("mypy")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with --strict (offline)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", tempfile.mkdtemp())


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmark and print its figures."""
    session.install("-e", ".[service,test]")
    session.run("python", "benchmarks/run_all.py", *session.posargs)
