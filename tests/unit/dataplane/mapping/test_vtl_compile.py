"""The VTL compiler renders exactly what the interpreter renders (differential tests), leaves
what it does not cover to the interpreter (counted and logged), and fails as it does.

Every template the tests and the real-world corpus use is rendered through both engines
against several requests: the same body, the same ``$context`` overrides, or both failing.
The templates are the request and response templates of every corpus file and test fixture
(imported as ``tollway serve`` imports them), every string literal of the test modules that
parses as a template, and the edge cases below, which pin down where Python and Velocity
differ (evaluation order, loop scopes, the ``$foreach`` map, null-safe operators).
"""

from __future__ import annotations

import ast
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_support import import_row, manifest_rows, require_corpus
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.vtl import CompiledTemplate, TemplateError, compile_template, fallback_counts
from tollway.errors import ApiConfigurationError
from tollway.formats.loader import import_file
from tollway.model.imported import ImportResult

TESTS = Path(__file__).resolve().parents[3]

EDGE_CASES = [
    # loop scopes: a #set inside a loop is seen after it; the loop variable is not
    "#foreach($x in [1, 2])#set($seen = $x)#end$seen [$x] [$velocityCount] [$foreach]",
    "#set($x = 'outer')#foreach($x in [1, 2])$x#end $x",
    "#foreach($x in [1, 2])#set($x = 9)$x#end",
    "#foreach($a in [1, 2])#foreach($b in ['p', 'q'])$a$b$velocityCount$foreach.index,#end|#end",
    "#foreach($a in [1, 2])#foreach($a in ['p'])$a#end$a#end",
    "#foreach($a in [[1, 2], [3]])#foreach($b in $a)#set($a = 0)$b#end$a;#end",
    # $foreach: inline while it is only read, the interpreter's map when it is a value
    "#foreach($i in [5, 6, 7])$foreach.count$foreach.index$foreach.hasNext$foreach.first$foreach.last"
    "$foreach.nope$velocityHasNext;#end",
    "#foreach($i in [5, 6])#set($f = $foreach)$f.count $f#end $f",
    "#foreach($i in [5, 6])#set($foreach.count = 9)$foreach.count#end",
    "#foreach($i in [5, 6])#set($foreach = 'x')$foreach.count$foreach#end",
    "#foreach($i in [5, 6])#set($velocityCount = 0)$velocityCount#end",
    "#foreach($i in [5, 6])$foreach.put('count', 1) $foreach.count#end",
    "#foreach($i in [5, 6])$foreach.count.toString().length()#end",
    "#foreach($i in $nothing)x#end#foreach($i in 'abc')x#end#foreach($i in 5)x#end",
    "#foreach($v in {'a': 1, 'b': 2})$v#end",
    "#foreach($i in [1..3])$i#end#foreach($i in [3..1])$i#end#set($r = [1..2])$r",
    # references: quiet, formal, alternates, not references
    "$!x ${x} $!{x} ${x|'alt'} ${x|0} ${x|5} $x.y.z $1 $ $. $! $!{} \\$x \\#set",
    "#set($x = 'v')${x|'alt'}${x}text$x.length()",
    "#set($x = 1)$a-b $x-1 $x",
    # operators: precedence, null safety, string concatenation, no short circuit
    "#set($n = 1 + 2 * 3 - 4 / 2)$n #set($m = 7 % 3)$m #set($d = 7 / 0)[$d]",
    "#set($s = 'a' + 1 + 2)$s #set($t = 1 + 2 + 'a')$t #set($u = $nope + 'x')$u",
    "#if(1 < 2 && 2 < 3 || false)y#end #if($nope > 1)y#{else}n#end #if($nope == $null)null#end",
    "#if(1 == 1 and 2 ne 3 or 4 gt 5)y#end#if(!$nope && !false)z#end#if(not true)w#end",
    "#set($l = [])#if($l.add(1) && $l.add(2))$l#end #if($l.add(3) || $l.add(4))$l#end",
    "#set($l = [])#set($b = $l.add(1) == $l.add(2))$l $b #set($c = $l.size() + $l.add(9))$l $c",
    "#set($m = {})#set($x = $m.put('k', 1) == $m.k)$x $m",
    "#if($input.path('$.nope') == '')empty#end#if('' == $input.path('$.nope'))empty#end",
    "#set($a = 3)#set($b = $a * 2 > 5 == true)$b #set($c = -1)$c #set($f = 1.5 * 2)$f",
    # literals: lists, maps, strings with and without interpolation
    "#set($l = [1, 'a', [2], {'k': 'v'}, true, $null])$l $l.size() $l[2] $l.get(3).k",
    "#set($k = 'key')#set($m = {$k: 1, 'b': $k, 'c': [$k]})$m $m.key $m[$k] $m.get('c')",
    """#set($s = "a$input.params('q')b")$s #set($t = 'a$nope')$t #set($u = "x""y")$u""",
    """#set($s = "${nope}|$!nope|${nope|'d'}")$s""",
    # #set into maps and lists, through missing steps
    "#set($m = {'a': {'b': [1, 2]}})#set($m.a.b[0] = 9)#set($m.a['c'] = 3)#set($m.z.y = 1)$m",
    "#set($l = [1, 2])#set($l[-1] = 5)#set($l[7] = 5)#set($l['x'] = 5)$l",
    "#set($context.requestOverride.header.X-A = 'a')#set($context.responseOverride.status = 201)"
    "$context.requestOverride $context.responseOverride.status",
    "#set($input = 'shadowed')$input #set($util = 1)$util #set($context = {})$context",
    # methods: Java names only, a missing method skips its arguments
    "#set($l = [])$l.nope($l.add(1)) $l $l.size()",
    "$input.path('$.name').nope() $input.path('$.name').length() $input.__class__ $input.json",
    "$input.json() $input.path() $input.json('$.pets[*].type') $input.path('$.pets[0]').type",
    "$input.json('$.a[') $input.params().header.keySet() $input.params('id')",
    "#set($p = '$.name')$input.json($p) $input.path($p) $input.path(\"$p\")",
    "$util.escapeJavaScript($input.json('$')) $util.urlEncode('a b') $util.base64Encode('x')",
    "$util.nope('x') $util.escapeJavaScript $util.parseJson('{\"a\": [1]}').a[0]",
    "$stageVariables.env $stageVariables['env'] ${stageVariables.env} $stageVariables.nope",
    "$context.identity.sourceIp $context['requestId'] $context.authorizer.claims.sub",
    "#set($x = $input.path('$.pets'))$x[0].type $x[9] $x['a'] $x.get(1).type $x.size()",
    "#set($i = 1)$input.path('$.pets')[$i].id $input.path('$.pets')[$nope.size()].id",
    "$input.path('$.pets')[$input.path('$.pets').get(9).id].id",
    # comments, directives written in braces, text that is not a directive
    "a## comment\nb#* block\ncomment *#c#if(true)d#{else}e#{end} #break #000 #x",
    "#if($a)\n  one\n#elseif($b)\n  two\n#else\n  three\n#end\nafter",
    "#set( $a = 1 )\n#set($b = 2)   \n$a$b",
    "#set($l = [])a#if($l.add(1))b$l#elseif($l.add(2))c#{else}d#end$l e#if(false)f#end",
    "#foreach($i in [1, 2, 3])#if($i == 1)one#elseif($i == 2)$i#{else}${nope|'none'}#end,#end",
    # failures: both engines answer 500
    "$util.parseJson('{not json')",
    "$util.urlDecode('100%')",
    "#set($a = $)$a",
    "#set($x = 'a' * 3)$x #set($y = '%z' % 1)$y",
    "#set($context.responseOverride.status = 1)#set($context.responseOverride.status = 2)",
    "#set($r = [$nope..2])$r",
    "$input.params('a', 'b')",
]

PETS = {
    "id": 1,
    "name": "Rex",
    "price": 249.99,
    "big": 12345678901234567890,
    "tiny": 1e-7,
    "pets": [{"id": 1, "type": "dog"}, {"id": 2, "type": "cat"}, {"id": 3, "type": "fish"}],
    "owner": {"first": "Ana", "tags": ["a", "b"], "quote": 'say "hi" / \\ \n é 😀'},
    "flag": True,
    "nothing": None,
    "items": [{"id": i, "name": f"item{i}"} for i in range(3)],
}

CONTEXT = {
    "accountId": "123456789012",
    "apiId": "a1b2c3d4e5",
    "authorizer": {"principalId": "user-1", "claims": {"sub": "abc", "email": "a@b.c"}},
    "error": {},
    "httpMethod": "POST",
    "identity": {"sourceIp": "203.0.113.9", "userAgent": "curl", "apiKey": None},
    "path": "/prod/pets/7",
    "requestId": "req-1",
    "requestTimeEpoch": 1_700_000_000_000,
    "resourcePath": "/pets/{id}",
    "stage": "prod",
}


def _requests(source: str) -> list[Callable[[], TemplateInputs]]:
    """Requests to render ``source`` against: fresh inputs for each engine."""
    bodies = [json.dumps(PETS), json.dumps([PETS, 1]), "", "a=1&b=2", *_bodies_for(source)]
    return [
        lambda body=body: TemplateInputs(
            body=body,
            path_params={"id": "7", "proxy": "a/b"},
            querystring={"q": "x", "name": "n"},
            headers={"Content-Type": "application/json", "Accept": "*/*", "User-Agent": 'cu"rl'},
            multi_querystring={"q": ["w", "x"], "name": ["n"]},
            multi_headers={"Content-Type": ["application/json"], "Accept": ["*/*"]},
            context=json.loads(json.dumps(CONTEXT)),
            stage_variables={"env": "prod", "url": "http://backend"},
        )
        for body in bodies
    ]


_PATH = re.compile(r"""\$\.([A-Za-z_][\w.]*)""")


def _bodies_for(source: str) -> list[str]:
    """Bodies in which the template's own JSONPaths (``$.a.b``) exist: once holding lists
    of objects, once strings, so its loops and conditions have something to work on."""
    paths = sorted({match.group(1) for match in _PATH.finditer(source)})
    if not paths:
        return []
    bodies = []
    for leaf in ([{"id": 1, "name": "n1"}, {"id": 2, "name": "n2"}], "text"):
        document: dict[str, Any] = {}
        for path in paths:
            node = document
            *parents, last = path.rstrip(".").split(".")
            for part in parents:
                child = node.get(part)
                node = node.setdefault(part, {}) if not isinstance(child, dict) else child
                if not isinstance(node, dict):
                    break
            else:
                node.setdefault(last, leaf)
        bodies.append(json.dumps(document))
    return bodies


def _outcome(template: CompiledTemplate, inputs: TemplateInputs) -> tuple[Any, ...]:
    overrides = Overrides()
    try:
        body = template.render(inputs, overrides)
    except ApiConfigurationError as exc:
        return ("failed", exc.status_code, "set twice" in (exc.detail or ""))
    return body, dict(overrides.request), dict(overrides.response)


def _from_import(result: ImportResult) -> Iterator[str]:
    for imported in result.apis:
        for resource in imported.api.resources:
            for method in resource.methods.values():
                if method.integration is None:
                    continue
                yield from method.integration.request_templates.values()
                for response in method.integration.responses:
                    yield from response.response_templates.values()


def _corpus_templates() -> Iterator[tuple[str, str]]:
    for row in manifest_rows():
        try:
            result = import_row(row)
        except Exception:  # refused files are test_corpus's business
            continue
        for source in _from_import(result):
            yield f"corpus:{row['path']}", source


def _fixture_templates() -> Iterator[tuple[str, str]]:
    for path in sorted((TESTS / "conformance" / "fixtures").rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        try:
            result = import_file(str(path))
        except Exception:  # function folders, partial documents
            continue
        for source in _from_import(result):
            yield f"fixture:{path.relative_to(TESTS)}", source


def _literal_templates() -> Iterator[tuple[str, str]]:
    """String literals of the test modules that parse as templates."""
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and ("$" in text or "#" in text):
                yield f"literal:{path.relative_to(TESTS)}:{node.lineno}", text


def _parsing(templates: Iterator[tuple[str, str]]) -> list[tuple[str, str]]:
    """Distinct templates that parse (syntax errors are test_vtl's business)."""
    seen: dict[str, str] = {}
    for origin, source in templates:
        if source in seen:
            continue
        try:
            compile_template(source, interpret=True)
        except TemplateError:
            continue
        seen[source] = origin
    return [(origin, source) for source, origin in seen.items()]


def _mismatches(origin: str, source: str) -> list[str]:
    compiled = compile_template(source)
    interpreted = compile_template(source, interpret=True)
    found = []
    for request in _requests(source):
        expected = _outcome(interpreted, request())
        for _ in range(2):  # and nothing leaks from one render to the next
            got = _outcome(compiled, request())
            if got != expected:
                found.append(f"{origin}: {source!r} with {request().body!r}: {got!r} != {expected!r}")
    return found


TEMPLATES = _parsing(
    itertools.chain((("edge", s) for s in EDGE_CASES), _fixture_templates(), _literal_templates())
)


def test_the_differential_tests_see_the_edge_cases_fixtures_and_test_templates() -> None:
    origins = {origin.split(":", 1)[0] for origin, _ in TEMPLATES}
    assert origins == {"edge", "fixture", "literal"}
    assert len([o for o, _ in TEMPLATES if o == "edge"]) == len(EDGE_CASES)  # every edge case parses


@pytest.mark.parametrize(
    ("origin", "source"), TEMPLATES, ids=[f"{o}:{i}" for i, (o, _) in enumerate(TEMPLATES)]
)
def test_compiled_template_renders_what_the_interpreter_renders(origin: str, source: str) -> None:
    assert _mismatches(origin, source) == []


def test_compiled_corpus_templates_render_what_the_interpreter_renders() -> None:
    """One test for the whole corpus: importing it takes seconds, collection must not."""
    require_corpus()
    templates = _parsing(_corpus_templates())
    assert templates
    assert [m for origin, source in templates for m in _mismatches(origin, source)] == []


def test_every_edge_case_and_bench_template_is_compiled_not_interpreted() -> None:
    bench_templates = [
        """{"name": $input.json('$.name'), "items": [#foreach($item in $input.path('$.items'))
          {"id": $item.id, "label": "$item.name"}#if($foreach.hasNext),#end#end]}""",
        '#set($root = $input.path(\'$\')){"names": [#foreach($i in $root.items)"$i.name"#end]}',
    ]
    interpreted = [s for s in EDGE_CASES + bench_templates if compile_template(s).compiled is None]
    assert interpreted == []


# --- what the compiler leaves to the interpreter -------------------------------------------


@pytest.mark.parametrize(
    ("source", "construct", "expected"),
    [
        ("#macro(greet $who)hi $who#end#greet('bob')", "#macro", "hi bob"),
        ("#define($d)D#end$d", "#define", "D"),
        ("#evaluate('$input.params(\"q\")')", "#evaluate", "x"),
        ("a#stop b", "#stop", "a"),
        ('#set($s = "#if(true)yes#end")$s', "a directive inside a string literal", "yes"),
        ("#foreach($foreach in [1])$foreach#end", "#foreach variable $foreach", "1"),
    ],
)
def test_a_construct_the_compiler_does_not_cover_falls_back_to_the_interpreter_counted_and_logged(
    source: str, construct: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = fallback_counts().get(construct, 0)
    with caplog.at_level(logging.INFO, logger="tollway.mapping"):
        template = compile_template(source)
    assert template.compiled is None
    assert fallback_counts()[construct] == before + 1
    logged = [r.getMessage() for r in caplog.records if r.name == "tollway.mapping"]
    assert any(construct in message for message in logged)
    assert template.render(TemplateInputs(querystring={"q": "x"})) == expected


def test_a_compiled_template_is_not_counted_nor_logged(caplog: pytest.LogCaptureFixture) -> None:
    before = fallback_counts()
    with caplog.at_level(logging.INFO, logger="tollway.mapping"):
        template = compile_template("#foreach($x in [1, 2])$x#end")
    assert template.compiled is not None
    assert fallback_counts() == before
    assert not [r for r in caplog.records if r.name == "tollway.mapping"]


def test_a_template_nested_beyond_pythons_limits_is_interpreted() -> None:
    source = "#foreach($x in [1])" * 30 + "$x" + "#end" * 30
    template = compile_template(source)
    assert template.compiled is None
    assert template.render(TemplateInputs()) == "1"


# --- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("$util.parseJson('{not json')", "JSONDecodeError"),
        ("$util.urlDecode('100%')", "urlDecode"),
        ("#set($a = $)$a", "TypeError"),
        ("$input.json('$.a[')", "JsonPathError"),
    ],
)
def test_a_compiled_template_that_fails_answers_500_with_the_cause(source: str, detail: str) -> None:
    template = compile_template(source)
    assert template.compiled is not None
    with pytest.raises(ApiConfigurationError) as caught:
        template.render(TemplateInputs(body='{"a": 1}'))
    assert caught.value.status_code == 500
    assert caught.value.response_type == "API_CONFIGURATION_ERROR"
    assert caught.value.detail is not None
    assert caught.value.detail.startswith("mapping template failed:")
    assert detail in caught.value.detail


def test_a_compiled_template_setting_an_override_twice_answers_500_overrides_are_final() -> None:
    template = compile_template(
        "#set($context.requestOverride.header.a = '1')$context.requestOverride.header.put('a', '2')"
    )
    assert template.compiled is not None
    with pytest.raises(ApiConfigurationError) as caught:
        template.render(TemplateInputs(), Overrides())
    assert caught.value.status_code == 500
    assert caught.value.detail is not None and "set twice" in caught.value.detail


def test_a_template_without_context_needs_no_overrides_and_leaves_them_alone() -> None:
    template = compile_template("#set($x = $input.path('$.a'))$x")
    assert template.compiled is not None and not template.uses_context
    overrides = Overrides()
    assert template.render(TemplateInputs(body='{"a": 2}'), overrides) == "2"
    assert overrides.status() is None and not overrides.header_names()


def test_context_given_lazily_is_built_once_and_only_for_templates_that_read_it() -> None:
    built: list[int] = []

    def context_of() -> dict[str, Any]:
        built.append(1)
        return {"stage": "prod"}

    inputs = TemplateInputs(body='{"a": 1}', context_of=context_of)
    assert compile_template("$input.path('$.a')").render(inputs) == "1"
    assert built == []
    assert compile_template("$context.stage").render(inputs) == "prod"
    assert compile_template("$context.stage!").render(inputs) == "prod!"
    assert built == [1]


def test_headers_given_as_the_request_pairs_read_as_the_two_maps() -> None:
    inputs = TemplateInputs(header_pairs=[("X-A", "1"), ("Accept", "*/*"), ("X-A", "2")])
    assert inputs.headers == {"X-A": "2", "Accept": "*/*"}
    assert inputs.multi_headers == {"X-A": ["1", "2"], "Accept": ["*/*"]}
    assert compile_template("$input.params('x-a') $input.params().header").render(inputs) == (
        "2 {X-A=2, Accept=*/*}"
    )


def test_a_plain_text_template_needs_no_code_and_is_no_fallback() -> None:
    before = fallback_counts()
    template = compile_template('{"statusCode": 200}')
    assert template.compiled is None and not template.uses_context
    assert fallback_counts() == before
    assert template.render(TemplateInputs()) == '{"statusCode": 200}'
