#!/usr/bin/env python3
"""The shape of the code, checked by `make lint` (see docs/ARCHITECTURE.md):

- no import circle among the API crate's modules (files);
- no module imports from `public/`, `admin/` or `hub/` but `lib.rs` (and each
  folder's own `mod.rs`, which mounts its files): handlers never import
  each other, shared pieces live below them;
- layers: `model/` (request and response types) imports nothing from
  `app/`, `state`, `security/` or the handlers; `app/` (use cases) imports
  no actix and no extractor (`http::extract`, `http::path`, `state`,
  `security::agent`, `security::router`): it runs without HTTP;
- no function in `public/`, `admin/` or `hub/` (handlers and their helpers) over
  40 lines: a handler takes validated input, calls one use case and
  answers; the rest belongs in app/;
- no file under any crate's src/ over 600 lines.

Prints what breaks a rule and exits 1; exits 0 quietly otherwise.
"""
import os
import re
import sys

# PLANIPREF_SHAPE_ROOT: another checkout to check (the self-test's copy).
ROOT = os.environ.get('PLANIPREF_SHAPE_ROOT') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..')
API = os.path.join(ROOT, 'crates', 'planipref-api', 'src')
MAX_HANDLER_LINES = 40
MAX_FILE_LINES = 600
# The folders of handlers: the public's, the agents', the national hubs'.
HANDLERS = ('public', 'admin', 'hub')

problems = []


def module_of(path):
    rel = os.path.relpath(path, API)[:-3].split(os.sep)
    if rel[-1] == 'mod':
        rel = rel[:-1]
    return tuple(rel) if rel != ['lib'] else ()


files = {}
for base, _, names in os.walk(API):
    for name in names:
        if name.endswith('.rs'):
            path = os.path.join(base, name)
            files[module_of(path)] = path


def resolve(parts):
    """The file a `crate::a::b::Item` path lives in: its longest known prefix."""
    for n in range(len(parts), 0, -1):
        if tuple(parts[:n]) in files:
            return tuple(parts[:n])
    return ()


def code_of(text):
    """The text without comments and string literals (doc links are not imports)."""
    text = re.sub(r'//[^\n]*', '', text)
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)


edges = {m: set() for m in files}
for module, path in files.items():
    code = code_of(open(path).read())
    refs = set()
    for m in re.finditer(r'\bcrate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)', code):
        refs.add(resolve(m.group(1).split('::')))
    for m in re.finditer(r'\buse crate::\{([^;]*)\};', code, re.S):
        for part in re.split(r'[,{}\s]+', m.group(1)):
            if part:
                refs.add(resolve(part.split('::')))
    # `super::x` inside a folder
    for m in re.finditer(r'\bsuper::([a-z_][a-z0-9_]*)', code):
        parent = module[:-1] if not path.endswith('mod.rs') else module[:-1]
        refs.add(resolve(list(parent) + [m.group(1)]))
    refs.discard(())
    refs.discard(module)
    edges[module] = refs
    # handlers never import each other
    for target in refs:
        if target and target[0] in HANDLERS:
            mounts = module == () or module == (target[0],)
            if not mounts:
                problems.append(f'{os.path.relpath(path, ROOT)} imports {"/".join(target)}: '
                                f'only lib.rs mounts public/, admin/ and hub/; move what it needs below them')

# layers
FORBIDDEN = {
    'model': ('app', 'state', 'security') + HANDLERS,
    'app': ('state', 'http/extract', 'http/path', 'security/agent', 'security/router',
            'security/hub') + HANDLERS,
}
for module, path in files.items():
    if not module or module[0] not in FORBIDDEN:
        continue
    text = open(path).read()
    # Unit tests below `#[cfg(test)]` may drive the runtime.
    code = code_of(text.split('#[cfg(test)]')[0])
    for target in sorted(edges[module]):
        name = '/'.join(target)
        if any(name == f or name.startswith(f + '/') for f in FORBIDDEN[module[0]]):
            problems.append(f'{os.path.relpath(path, ROOT)} imports {name}: '
                            f'{module[0]}/ stays below it')
    if module[0] == 'app' and re.search(r'\bactix_web::', code):
        problems.append(f'{os.path.relpath(path, ROOT)} uses actix_web: use cases run without HTTP '
                        f'(store work goes through crate::blocking)')

# circles (Tarjan's strongly connected components)
index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in files:
            continue
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(comp)


sys.setrecursionlimit(10000)
for v in files:
    if v not in index:
        strong(v)
for comp in comps:
    names = sorted('/'.join(c) or 'lib' for c in comp)
    problems.append('import circle among: ' + ', '.join(names))

# handler (and helper) bodies
for module, path in files.items():
    if not module or module[0] not in HANDLERS:
        continue
    lines = open(path).read().split('\n')
    for j, line in enumerate(lines):
        m = re.match(r'(?:pub )?(?:async )?fn ([a-z_0-9]+)', line)
        if not m:
            continue
        k = j
        while not lines[k].rstrip().endswith('{'):
            k += 1
        end = k + 1
        while lines[end] != '}':
            end += 1
        body = end - k - 1
        if body > MAX_HANDLER_LINES:
            problems.append(f'{os.path.relpath(path, ROOT)}: {m.group(1)} has a body of {body} '
                            f'lines (at most {MAX_HANDLER_LINES}): move its work to app/')

# file sizes
for base, _, names in os.walk(os.path.join(ROOT, 'crates')):
    if os.sep + 'src' not in base + os.sep:
        continue
    for name in names:
        if name.endswith('.rs'):
            path = os.path.join(base, name)
            count = sum(1 for _ in open(path))
            if count > MAX_FILE_LINES:
                problems.append(f'{os.path.relpath(path, ROOT)} has {count} lines (at most {MAX_FILE_LINES})')

for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(1)
modules = len(files)
print(f'the API crate has {modules} modules, no import circle, no handler importing another, '
      f'model/ and app/ below the handlers, handlers of at most {MAX_HANDLER_LINES} lines; '
      f'no source file over {MAX_FILE_LINES} lines')
