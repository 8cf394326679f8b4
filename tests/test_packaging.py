"""A plain, non-editable install works: the wheel carries the rules, the report templates, the page
instrument and the demo sites, and the installed copy (not the source tree) classifies, renders and runs.

The wheel is built from a copy of the repository, so no ``build/`` or ``*.egg-info`` is left behind, and
with the virtualenv's own setuptools (``--no-build-isolation``), so nothing is downloaded.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# PEP 639 ``license = "Apache-2.0"`` in pyproject.toml needs setuptools 77 or later to build.
MIN_SETUPTOOLS = (77,)

REQUIRED_FILES = (
    "sitescan/rules/trackers/vendors.toml",
    "sitescan/rules/cookies/patterns.toml",
    "sitescan/rules/trackers/endpoints.toml",
    "sitescan/report_templates/report.html.j2",
    "sitescan/report_templates/report.css",
    "sitescan/report_templates/report.js",
    "sitescan/rules/checks.toml",
    "sitescan/rules/profiles.toml",
    "sitescan/rules/links/keywords.toml",
    "sitescan/schemas/report.schema.json",
    "sitescan/collect/instrument.js",
    "sitescan/demo/vendors/routes.toml",
    "sitescan/demo/storefront/routes.toml",
    "sitescan/demo/storefront/www.iqommerce-demo.com/index.html",
)

# Never copied into the build tree: environments, VCS data, build output and caches.
_NOT_SOURCE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "demo-report",
    "sitescan-report",
)

HOSTILE_TITLE = "<script>alert(1)</script>"


def _repo_droppings() -> set[str]:
    """The build artefacts present in the repository (there should be none after the tests)."""
    found = set()
    for base in (ROOT, ROOT / "src", ROOT / "rules", ROOT / "report_templates"):
        found |= {str(p.relative_to(ROOT)) for p in base.glob("*.egg-info")}
    found |= {name for name in ("build", "dist") if (ROOT / name).exists()}
    return found


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    try:
        import setuptools
    except ImportError:  # pragma: no cover - environment problem, not a packaging one
        pytest.fail(f"setuptools is not installed in {sys.prefix}: pip install 'setuptools>=77'")
    version = tuple(int(part) for part in setuptools.__version__.split(".")[:1])
    assert version >= MIN_SETUPTOOLS, (
        f"setuptools {setuptools.__version__} in {sys.prefix} cannot build this pyproject.toml "
        "(PEP 639 license string): pip install -U 'setuptools>=77'"
    )
    before = _repo_droppings()
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    out = work / "wheels"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "-w", str(out), str(source)], cwd=work, timeout=120)
    assert _repo_droppings() == before, "building the wheel left artefacts in the repository"
    (built,) = out.glob("sitescan-*.whl")
    return built


@pytest.fixture(scope="module")
def target(wheel, tmp_path_factory) -> Path:
    """The wheel installed with ``pip install --target``: a plain copy, no editable finder."""
    installed = tmp_path_factory.mktemp("target")
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(installed), str(wheel)],
        cwd=installed.parent,
        timeout=120,
    )
    return installed.resolve()


def _isolated(target: Path, cwd: Path, *args: str):
    """Run the venv's python so that ``sitescan`` can only come from ``target``.

    ``-S`` skips ``site`` and so the editable install's ``.pth`` import hook; ``-s`` ignores the user
    site; ``-P`` keeps the working directory off ``sys.path``. The third-party dependencies come from the
    venv's site-packages, listed after ``target``.
    """
    site_dirs = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), *site_dirs])
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return _run([sys.executable, "-P", "-S", "-s", *args], cwd=cwd, env=env)


def test_wheel_contains_the_data_files_and_the_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        missing = [name for name in REQUIRED_FILES if name not in names]
        assert not missing, f"missing from {wheel.name}: {missing}"
        (entry_points_name,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(entry_points_name).decode("utf-8"))
    assert entry_points["console_scripts"]["sitescan"] == "sitescan.cli:main"
    # Nothing from the repository that is not part of the package.
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/", "rules/"))]


CHECK_INSTALLED = textwrap.dedent(
    """
    import json, sys
    from importlib import metadata
    from importlib.resources import files
    from pathlib import Path

    import sitescan
    from sitescan.artifacts import CookieRecord, PageVisit, ScanArtifacts
    from sitescan.classify import Classifier
    from sitescan.collect import page
    from sitescan.report import build_report
    from sitescan.reporters import html

    out_dir, title = Path(sys.argv[1]), sys.argv[2]
    classifier = Classifier.bundled()
    cookie = CookieRecord(
        name="_ga", domain=".shop.example", path="/", expires=1_900_000_000.0, secure=True,
        http_only=False, same_site="Lax", partitioned=False, partition_key=None, set_by="script",
        initiator="https://www.googletagmanager.com/gtag/js", frame_url="https://shop.example/",
        observed_at=1_800_000_000.0,
    )
    visit = PageVisit(
        url="https://shop.example/", phase="before-consent", depth=0,
        final_url="https://shop.example/", status=200, content_type="text/html", title=title,
        cookies=(cookie,),
    )
    artifacts = ScanArtifacts(
        tool_version=sitescan.__version__, targets=("https://shop.example/",),
        started="2025-01-01T00:00:00Z", finished="2025-01-01T00:00:05Z", browser="chromium",
        visits=(visit,),
    )
    report = build_report(artifacts, classifier=classifier)
    written = html.write(report, out_dir)

    rule = classifier.cookie_rule("_ga", ".shop.example")
    vendor = classifier.vendor_for_host("www.google-analytics.com")
    modules = {
        name: getattr(module, "__file__", None)
        for name, module in sys.modules.items()
        if name == "sitescan" or name.startswith("sitescan.")
    }
    print(json.dumps({
        "file": sitescan.__file__,
        "modules": modules,
        "resources": [
            str(files("sitescan.rules")), str(files("sitescan.report_templates")),
            str(files("sitescan.demo")),
        ],
        "demo_files": [
            (files("sitescan.demo") / "storefront" / "routes.toml").is_file(),
            (files("sitescan.demo") / "vendors" / "routes.toml").is_file(),
        ],
        "meta_path": [repr(finder) for finder in sys.meta_path],
        "dist": str(metadata.distribution("sitescan").locate_file("")),
        "version": sitescan.__version__,
        "cookie": [rule.vendor, rule.category] if rule else None,
        "host": [vendor.name, vendor.category] if vendor else None,
        "instrument_js": len(page.INSTRUMENT_JS.strip()),
        "report_cookies": report["cookies"],
        "html": str(written),
    }))
    """
)


def test_installed_copy_classifies_and_renders(target, tmp_path):
    cwd = tmp_path / "cwd"
    out = tmp_path / "out"
    cwd.mkdir()
    out.mkdir()
    result = _isolated(target, cwd, "-c", CHECK_INSTALLED, str(out), HOSTILE_TITLE)
    seen = json.loads(result.stdout)

    # Everything sitescan came from the installed copy, never from the source tree or the editable hook.
    assert Path(seen["file"]).resolve().is_relative_to(target), seen["file"]
    for name, file in seen["modules"].items():
        assert file is None or Path(file).resolve().is_relative_to(target), (name, file)
    for resource in seen["resources"]:
        assert Path(resource).resolve().is_relative_to(target), resource
    assert seen["demo_files"] == [True, True]
    assert not [f for f in seen["meta_path"] if "editable" in f.lower()], seen["meta_path"]
    assert Path(seen["dist"]).resolve() == target
    assert seen["version"] == "0.1.0"

    assert seen["cookie"] == ["Google Analytics", "analytics"]
    assert seen["host"] == ["Google Analytics", "analytics"]
    assert seen["instrument_js"] > 0
    assert [c["name"] for c in seen["report_cookies"]] == ["_ga"]

    rendered = Path(seen["html"])
    assert rendered.parent == out
    text = rendered.read_text(encoding="utf-8")
    assert "_ga" in text
    assert HOSTILE_TITLE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_installed_copy_runs_as_a_module(target, tmp_path):
    result = _isolated(target, tmp_path, "-c", "import sitescan; print(sitescan.__file__)")
    assert Path(result.stdout.strip()).resolve().is_relative_to(target)
    result = _isolated(target, tmp_path, "-m", "sitescan", "--version")
    assert "sitescan" in result.stdout
    assert "0.1.0" in result.stdout
