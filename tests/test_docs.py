import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _api_reference():
    spec = importlib.util.spec_from_file_location("api_reference",
                                                  ROOT / "docs" / "api_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_an_api_page():
    """Each name in a public module's __all__ is listed in the API reference, under the
    module it is documented at; the list names nothing that is not public."""
    api = _api_reference()
    listed = {(module, name) for _, module, _, names in api.SECTIONS for name in names}
    wanted = {(module, name) for name, module in api.canonical_names().items()}
    assert not wanted - listed, f"public names without an API page: {sorted(wanted - listed)}"
    assert not listed - wanted, f"API pages of names not public there: {sorted(listed - wanted)}"


@pytest.mark.parametrize("module", ["llmiso", "llmiso.forecasting", "llmiso.metrics",
                                    "llmiso.isotropy", "llmiso.embedding", "llmiso.head",
                                    "llmiso.app"])
def test_every_public_name_has_a_docstring(module):
    """A class or function has its own docstring; a constant a ``#:`` comment where it
    is assigned (what its API page shows)."""
    api = _api_reference()
    found = importlib.import_module(module)
    missing = []
    for name in found.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(found, name)
        if api.is_constant(module, name):
            if not api.constant_doc(module, name):
                missing.append(name)
        elif not (obj.__doc__ or "").strip():
            missing.append(name)
    assert not missing, f"{module}: no docstring (or #: comment) for {missing}"


def test_docs_link_to_existing_files():
    import re

    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
