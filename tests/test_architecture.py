"""The package's shape: imports run one way, and each stage stays in its module."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "llmiso"


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """Every llmiso module ``path`` imports, at the top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("llmiso"):
                # `from . import _bins` imports the module _bins; `from .x import f`, x.
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                              or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("llmiso"))
    return found


def _graph():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name}
            for name, path in modules.items()}


def test_no_import_cycle_inside_the_package():
    graph = _graph()
    # A package's __init__ re-exports its modules; an edge into a package is an edge
    # into its __init__ only, which is what we follow.
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


# The pipeline's stages, in order: each may import the shared modules and the stages
# before it, never one after it.
STAGES = ["embedding", "isotropy", "metrics", "head", "forecasting", "app"]
SHARED = {"llmiso._bins", "llmiso._pipeline", "llmiso._scale"}


def _stage(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def layering_violations(graph):
    """``(importer, imported)`` pairs where a stage reaches a later stage."""
    found = []
    for name, deps in graph.items():
        stage = _stage(name)
        for dep in deps:
            if name in SHARED and dep not in SHARED:
                found.append((name, dep))
            elif stage and _stage(dep) and STAGES.index(_stage(dep)) > STAGES.index(stage):
                found.append((name, dep))
            elif name == "llmiso" and _stage(dep) == "app":  # the facade is the library
                found.append((name, dep))
    return found


def test_each_stage_imports_only_the_stages_before_it():
    graph = _graph()
    assert {_stage(name) for name in graph} >= set(STAGES)
    assert not layering_violations(graph)


def test_the_layering_check_catches_a_lower_stage_importing_a_higher_one():
    graph = _graph()
    graph["llmiso.embedding._prompts"] = graph["llmiso.embedding._prompts"] | {"llmiso.head._bins"}
    graph["llmiso._bins"] = {"llmiso.isotropy._null"}
    assert sorted(layering_violations(graph)) == [
        ("llmiso._bins", "llmiso.isotropy._null"),
        ("llmiso.embedding._prompts", "llmiso.head._bins"),
    ]


# -- stages talk through public names ------------------------------------------------------

BENCHMARKS = PACKAGE.parent / "benchmarks"


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def _defined_private_names():
    """stage -> the private names (functions, methods, attributes) its modules define."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        names = found.setdefault(_stage(_module_name(path)), set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and _private(node.name):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and _private(node.attr):
                names.add(node.attr)
    return found


def private_reaches(source, stage, defined):
    """``(line, what)`` where code of ``stage`` (None: outside the package, as the
    benchmarks are) imports a private module or name of another stage, or reads a
    private attribute that only another stage defines."""
    own = defined.get(stage, set()) if stage else set()
    others = set().union(*(names for s, names in defined.items() if s != stage)) - own
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [(node.lineno, what) for what in _private_imports(node, stage)]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr in others:
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                found.append((node.lineno, node.attr))
    return found


def _private_imports(node, stage):
    """The private llmiso modules or names an import of code of ``stage`` reaches."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names
                if a.name.startswith("llmiso") and any(map(_private, a.name.split(".")))]
    if node.level or not (node.module or "").startswith("llmiso"):
        return []
    parts = node.module.split(".")
    names = [a.name for a in node.names if _private(a.name)]
    if stage is not None and (node.module in SHARED or (
            node.module == "llmiso" and {f"llmiso.{n}" for n in names} <= SHARED)):
        return []  # the modules every stage shares
    reaches = any(map(_private, parts[1:])) or names
    own_stage = stage is not None and len(parts) > 1 and parts[1] == stage
    return [".".join(parts + names[:1])] if reaches and not own_stage else []


def _relative_to_absolute(path):
    """A module's source with its relative imports written out, for private_reaches."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            node.module = ".".join(base + ([node.module] if node.module else []))
            node.level = 0
    return ast.unparse(tree)


def test_stages_and_benchmarks_use_only_each_others_public_names():
    defined = _defined_private_names()
    found = []
    for path in PACKAGE.rglob("*.py"):
        stage = _stage(_module_name(path))
        if stage is None:  # the facade and the shared modules
            continue
        # `from . import _module` inside a stage is that stage's own business.
        source = _relative_to_absolute(path)
        found += [(path.name, *hit) for hit in private_reaches(source, stage, defined)]
    for path in BENCHMARKS.glob("*.py"):
        found += [(path.name, *hit) for hit in private_reaches(path.read_text(), None, defined)
                  if not hit[1].startswith("_competitions")]
    assert not found, found


def test_the_public_names_check_catches_planted_violations():
    defined = _defined_private_names()
    planted = (
        "from llmiso.forecasting._windows import sliding_windows\n"
        "from llmiso.embedding import _forward\n"
        "def f(embedder):\n"
        "    return embedder._reading()\n"
    )
    hits = [what for _, what in private_reaches(planted, "app", defined)]
    assert hits == ["llmiso.forecasting._windows", "llmiso.embedding._forward", "_reading"]
    # Inside its own stage a module may use the stage's private modules and names.
    assert not private_reaches("from llmiso.embedding import _forward\n"
                               "def f(e):\n    return e._reading()\n", "embedding", defined)
    assert private_reaches("import llmiso.head._lbfgs as lbfgs\n", None, defined)


def test_torch_stays_in_the_modules_that_run_or_build_models():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        names |= {
            (n.module or "").split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and not n.level
        }
        if "torch" in names:
            assert path.parent.name == "embedding" and path.name in {
                "_forward.py", "_models.py", "_tiny.py"}, path


def test_the_command_is_imported_by_nothing():
    graph = _graph()
    assert not [name for name, deps in graph.items() if "llmiso.app.cli" in deps]
