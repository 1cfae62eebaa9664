"""VTL mapping templates, rendered as Amazon API Gateway REST APIs render them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.vtl import (
    FOREACH_LIMIT,
    MAX_TEMPLATE_BYTES,
    TemplateError,
    compile_template,
)
from tollway.errors import ApiConfigurationError, TollwayError

PETS = json.dumps(
    {
        "id": 1,
        "name": "Rex",
        "price": 249.99,
        "pets": [{"id": 1, "type": "dog"}, {"id": 2, "type": "cat"}, {"id": 3, "type": "fish"}],
        "owner": {"first": "Ana", "tags": ["a", "b"]},
        "things": {"1": {}, "2": {}, "3": {}},
        "flag": True,
        "nothing": None,
    }
)


def render(source: str, **fields: Any) -> str:
    return compile_template(source).render(TemplateInputs(**fields))


# --- $input -----------------------------------------------------------------


def test_input_body_is_the_raw_payload() -> None:
    assert render("$input.body", body='{"a": 1}') == '{"a": 1}'


def test_input_body_of_empty_request_renders_empty_object_aws_quirk() -> None:
    assert render("$input.body") == "{}"
    assert render("$util.urlEncode($input.body)") == "%7B%7D"


def test_input_json_root_is_compact_json() -> None:
    body = '{ "a" : 1, "b" : [1, 2], "c": "é" }'
    assert render("$input.json('$')", body=body) == '{"a":1,"b":[1,2],"c":"é"}'


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$.name", '"Rex"'),
        ("$.id", "1"),
        ("$.price", "249.99"),
        ("$.flag", "true"),
        ("$.pets[0]", '{"id":1,"type":"dog"}'),
        ("$.pets[*].type", '["dog","cat","fish"]'),
        ("$.nothing", "null"),
    ],
)
def test_input_json_renders_the_jsonpath_result_as_json(expression: str, expected: str) -> None:
    assert render(f"$input.json('{expression}')", body=PETS) == expected


def test_input_json_of_missing_path_or_empty_body_is_null() -> None:
    assert render("$input.json('$.nope')", body=PETS) == "null"
    assert render("$input.json('$')") == "null"


def test_input_path_scalar_prints_plainly_and_attribute_is_text_aws_quirk() -> None:
    # AWS: "$input.path('$').id" of {"id": 1} puts 1 into the output as text.
    assert render("\"$input.path('$').id\"", body=PETS) == '"1"'
    assert render("$input.path('$.name')", body=PETS) == "Rex"
    assert render("$input.path('$.flag')", body=PETS) == "true"


def test_input_path_object_prints_java_map_aws_quirk() -> None:
    assert render("$input.path('$.owner')", body=PETS) == '{first=Ana, tags=["a","b"]}'


def test_input_path_list_prints_json_aws_quirk() -> None:
    expected = '[{"id":1,"type":"dog"},{"id":2,"type":"cat"},{"id":3,"type":"fish"}]'
    assert render("$input.path('$.pets')", body=PETS) == expected


def test_input_path_size_count_get_and_iteration() -> None:
    assert render("$input.path('$.pets').size()", body=PETS) == "3"
    assert render("$input.path('$.pets').count()", body=PETS) == "3"  # AWS docs example
    assert render("$input.path('$.things').size()", body=PETS) == "3"  # AWS docs example
    assert render("$input.path('$.pets').get(1).type", body=PETS) == "cat"
    assert render("$input.path('$.pets')[2].type", body=PETS) == "fish"
    source = "#foreach($p in $input.path('$.pets'))$p.type#if($foreach.hasNext),#end#end"
    assert render(source, body=PETS) == "dog,cat,fish"


def test_input_path_missing_renders_empty_and_equals_null_and_empty_string_aws_quirk() -> None:
    source = (
        "[$input.path('$.nope')]"
        "#if($input.path('$.nope') == $null) null#end"
        "#if($input.path('$.nope') == '') empty#end"
        "#if(!$input.path('$.nope')) falsy#end"
    )
    assert render(source, body=PETS) == "[] null empty falsy"


def test_input_path_of_empty_body_is_null() -> None:
    assert render("[$input.path('$')]#if($input.path('$') == $null)null#end") == "[]null"


def test_input_path_of_non_json_body_sees_the_text_as_one_string() -> None:
    assert render("$input.path('$')|$input.path('$.a')|", body="a=1&b=2") == "a=1&b=2||"


def test_input_params_map_lists_path_querystring_header() -> None:
    fields = {
        "path_params": {"id": "7"},
        "querystring": {"q": "x"},
        "headers": {"Accept": "text/plain"},
    }
    assert render("$input.params()", **fields) == (
        "{path={id=7}, querystring={q=x}, header={Accept=text/plain}}"
    )
    source = "#foreach($t in $input.params().keySet())$t #end"
    assert render(source, **fields) == "path querystring header "


def test_input_params_name_searches_path_then_querystring_then_header() -> None:
    fields = {
        "path_params": {"a": "path"},
        "querystring": {"a": "query", "b": "query"},
        "headers": {"a": "header", "b": "header", "c": "header"},
    }
    assert render("$input.params('a') $input.params('b') $input.params('c')", **fields) == (
        "path query header"
    )


def test_input_params_missing_is_empty_string() -> None:
    assert render("[$input.params('nope')]#if($input.params('nope') == '') empty#end") == ("[] empty")


def test_input_params_header_lookup_ignores_case() -> None:
    fields = {"headers": {"Content-Type": "application/json"}}
    assert render("$input.params('content-type')", **fields) == "application/json"
    assert render("$input.params().header.get('CONTENT-TYPE')", **fields) == "application/json"
    assert render("$input.params().querystring.get('x')", querystring={"x": "1"}) == "1"
    assert render("$input.params().path.id", path_params={"id": "9"}) == "9"


# --- $util ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's", "it\\'s"),
        ('say "hi"', 'say \\"hi\\"'),
        ("a/b\\c", "a\\/b\\\\c"),
        ("l1\nl2\tt\r\b\f", "l1\\nl2\\tt\\r\\b\\f"),
        ("\x01\x1f", "\\u0001\\u001F"),
        ("café €", "caf\\u00E9 \\u20AC"),
        ("😀", "\\uD83D\\uDE00"),
        ("plain 123", "plain 123"),
    ],
)
def test_util_escape_javascript_uses_java_string_escape_rules(text: str, expected: str) -> None:
    # AWS: "turns any regular single quotes (') into escaped ones (\')" (Commons Lang rules).
    assert render("$util.escapeJavaScript($input.path('$.t'))", body=json.dumps({"t": text})) == (expected)


def test_util_escape_javascript_replace_all_idiom_from_aws_docs() -> None:
    source = """$util.escapeJavaScript($input.path('$.t')).replaceAll("\\\\'","'")"""
    assert render(source, body=json.dumps({"t": "it's"})) == "it's"


def test_util_escape_javascript_of_json_escapes_quotes() -> None:
    assert render("$util.escapeJavaScript($input.json('$.m'))", body='{"m": "x"}') == '\\"x\\"'


def test_util_parse_json_returns_navigable_object_aws_docs_example() -> None:
    body = json.dumps({"errorMessage": json.dumps({"key1": "var1", "key2": {"arr": [1, 2, 3]}})})
    source = (
        "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
        '{"errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]}'
    )
    assert render(source, body=body) == '{"errorMessageObjKey2ArrVal" : 1}'


def test_util_url_encode_is_java_form_encoding() -> None:
    source = "$util.urlEncode('a b&c=d/é~*._-')"
    assert render(source) == "a+b%26c%3Dd%2F%C3%A9%7E*._-"


def test_util_functions_of_null_give_null_which_prints_empty_aws_recorded() -> None:
    # AWS: "EncodedBodyAccess=$util.urlEncode($input.body.testAccess)" -> "EncodedBodyAccess="
    source = (
        "[$util.urlEncode($input.body.x)][$util.urlDecode($no)]"
        "[$util.base64Encode($no)][$util.base64Decode($no)]"
    )
    assert render(source, body='{"x": 1}') == "[][][][]"
    assert render("$util.urlEncode($input.body)", body="some raw data") == "some+raw+data"


def test_util_parse_json_objects_print_as_java_maps_and_arrays_as_json() -> None:
    source = "$util.parseJson($input.body) $util.parseJson($input.body).b $util.parseJson('[1, {\"a\": 2}]')"
    expected = '{a=1, b=[{"c":"d"}]} [{"c":"d"}] [1,{"a":2}]'
    assert render(source, body='{"a": 1, "b": [{"c": "d"}]}') == expected


def test_util_parse_json_of_null_is_null() -> None:
    assert render("[$util.parseJson($nothing)]") == "[]"


def test_util_url_decode() -> None:
    assert render("$util.urlDecode('a+b%26c%3D%C3%A9')") == "a b&c=é"


def test_util_url_decode_of_malformed_escape_fails_the_request() -> None:
    with pytest.raises(ApiConfigurationError) as caught:
        render("$util.urlDecode('100%')")
    assert caught.value.status_code == 500
    assert caught.value.message == "Internal server error"
    assert caught.value.detail is not None and "urlDecode" in caught.value.detail


def test_util_base64_encode_and_decode_utf8() -> None:
    assert render("$util.base64Encode('héllo')") == "aMOpbGxv"
    assert render("$util.base64Decode('aMOpbGxv')") == "héllo"
    assert render("$util.base64Decode('aGk')") == "hi"  # padding optional, like Java


def test_util_base64_decode_of_invalid_input_fails_the_request() -> None:
    with pytest.raises(ApiConfigurationError):
        render("$util.base64Decode('not base64!')")


# --- $context and $stageVariables -------------------------------------------------


CONTEXT = {
    "requestId": "req-1",
    "identity": {"sourceIp": "203.0.113.9", "userAgent": "curl"},
    "authorizer": {"principalId": "user-1", "claims": {"sub": "abc"}},
    "error": {"message": "Missing Authentication Token"},
}


def test_context_variables_nested_identity_authorizer_error() -> None:
    source = (
        "$context.requestId $context.identity.sourceIp $context.authorizer.principalId "
        "$context.authorizer.claims.sub $context.error.message"
    )
    assert render(source, context=CONTEXT) == ("req-1 203.0.113.9 user-1 abc Missing Authentication Token")


def test_context_missing_variable_renders_empty() -> None:
    assert render("[$context.nope][$context.identity.nope]", context=CONTEXT) == "[][]"


def test_context_object_prints_java_map() -> None:
    assert render("$context.identity", context=CONTEXT) == "{sourceIp=203.0.113.9, userAgent=curl}"


def test_context_overrides_set_by_template_are_returned() -> None:
    source = (
        "#set($context.requestOverride.header.X-Trace = 't1')"
        "#set($context.responseOverride.status = 418)"
        "#set($context.responseOverride.header.X-Out = 'o')"
    )
    result = compile_template(source).render_full(TemplateInputs(context=dict(CONTEXT)))
    assert result.body == ""
    assert result.request_override == {"header": {"X-Trace": "t1"}, "path": {}, "querystring": {}}
    assert result.response_override == {"header": {"X-Out": "o"}, "status": 418}


def test_render_does_not_mutate_the_inputs_context() -> None:
    context = {"identity": {"sourceIp": "1"}}
    render("#set($context.identity.sourceIp = '2')", context=context)
    assert context == {"identity": {"sourceIp": "1"}}


@pytest.mark.parametrize(
    "source", ["$stageVariables.env", "$stageVariables['env']", "${stageVariables['env']}"]
)
def test_stage_variables_all_three_documented_forms(source: str) -> None:
    assert render(source, stage_variables={"env": "prod"}) == "prod"


def test_stage_variable_missing_renders_empty() -> None:
    assert render("[$stageVariables.nope]") == "[]"


# --- directives -------------------------------------------------------------------


def test_set_if_elseif_else() -> None:
    source = "#set($n = $input.path('$.id'))#if($n > 5)big#elseif($n == 1)one#{else}other#end"
    assert render(source, body=PETS) == "one"
    assert render(source, body='{"id": 9}') == "big"
    assert render(source, body='{"id": 3}') == "other"


def test_if_on_undefined_is_false_and_negation_true_like_velocity() -> None:
    assert render("#if($nope)yes#{else}no#end #if(!$nope)neg#end") == "no neg"


def test_comparison_with_null_is_false_and_string_plus_concatenates_like_velocity() -> None:
    source = "#if($nope.size() > 0)yes#{else}no#end #set($s = 'n=' + 5)$s #set($t = $nope + 1)[$t]"
    assert render(source) == "no n=5 []"


def test_foreach_has_next_velocity_count_and_index() -> None:
    source = "#foreach($x in ['a','b','c'])$velocityCount/$foreach.index:$x#if($foreach.hasNext),#end#end"
    assert render(source) == "1/0:a,2/1:b,3/2:c"


def test_foreach_over_a_map_iterates_values_like_velocity() -> None:
    assert render("#foreach($v in $input.path('$.owner'))[$v]#end", body=PETS) == ('[Ana][["a","b"]]')


def test_foreach_over_key_set_with_get_aws_docs_pattern() -> None:
    source = (
        "#set($allParams = $input.params())"
        "#foreach($type in $allParams.keySet())#set($params = $allParams.get($type))"
        "$type:{#foreach($name in $params.keySet())$name=$params.get($name)#end}"
        "#if($foreach.hasNext),#end#end"
    )
    fields = {"path_params": {"p": "1"}, "headers": {"h": "2"}}
    assert render(source, **fields) == "path:{p=1},querystring:{},header:{h=2}"


def test_foreach_stops_after_1000_iterations_aws_limit() -> None:
    body = json.dumps({"n": list(range(FOREACH_LIMIT + 50))})
    source = "#foreach($i in $input.path('$.n'))#set($last = $i)#end$last $velocityCount"
    assert render(source, body=body) == f"{FOREACH_LIMIT - 1} "
    out = render("#foreach($i in $input.path('$.n'))x#if($foreach.hasNext),#end#end", body=body)
    assert out == ",".join(["x"] * FOREACH_LIMIT)


def test_template_built_list_prints_like_java_array_list() -> None:
    assert render("#set($l = ['a', 1])$l.add(true) $l $l.size()") == "true [a, 1, true] 3"


def test_java_string_methods() -> None:
    source = (
        "#set($s = ' Hello,World,, ')"
        "$s.trim().toLowerCase()|$s.length()|$s.indexOf('z')|$s.contains('World')"
        "|$s.trim().split(',').size()|$s.replaceAll('(l+)', '[$1]')|$s.substring(1, 6)"
    )
    assert render(source) == "hello,world,,|15|-1|true|2| He[ll]o,Wor[l]d,, |Hello"


def test_python_methods_are_not_reachable_from_templates() -> None:
    assert render("[$input.path('$.name').upper()][$input.__class__]", body=PETS) == "[][]"


def test_java_doubles_print_like_double_to_string() -> None:
    assert render("$input.path('$.a') $input.path('$.b')", body='{"a": 1e20, "b": 2.0}') == ("1.0E20 2.0")


def test_macro_and_define_work() -> None:
    source = "#macro(greet $who)hi $who#end#greet('bob') #define($d)D$input.params('x')#end$d"
    assert render(source, querystring={"x": "1"}) == "hi bob D1"


def test_full_lambda_non_proxy_template_renders_valid_json() -> None:
    source = """{
  "body": $input.json('$'),
  "method": "$context.httpMethod",
  "headers": {
    #foreach($h in $input.params().header.keySet())
    "$h": "$util.escapeJavaScript($input.params().header.get($h))"#if($foreach.hasNext),#end
    #end
  },
  "stage": "$context.stage"
}"""
    out = render(
        source,
        body='{"a": [1, "x\\"y"]}',
        headers={"User-Agent": 'cu"rl', "Accept": "*/*"},
        context={"httpMethod": "POST", "stage": "dev"},
    )
    assert json.loads(out) == {
        "body": {"a": [1, 'x"y']},
        "method": "POST",
        "headers": {"User-Agent": 'cu"rl', "Accept": "*/*"},
        "stage": "dev",
    }


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["#if($a)x", "#foreach($x in $l)x", "#set($a = )", "$input.json('$'", "#end"],
)
def test_syntax_error_raises_template_error_at_compile_time(source: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(source)
    assert isinstance(caught.value, TollwayError)
    assert caught.value.message.startswith("invalid mapping template")


def test_template_over_300_kb_is_rejected_aws_limit() -> None:
    with pytest.raises(TemplateError, match="larger than"):
        compile_template("x" * (MAX_TEMPLATE_BYTES + 1))


def test_runtime_failure_raises_api_configuration_error_with_detail() -> None:
    with pytest.raises(ApiConfigurationError) as caught:
        render("$util.parseJson('{not json')")
    assert caught.value.response_type == "API_CONFIGURATION_ERROR"
    assert caught.value.detail is not None and "mapping template failed" in caught.value.detail


def test_invalid_jsonpath_at_render_raises_api_configuration_error() -> None:
    with pytest.raises(ApiConfigurationError):
        render("$input.json('$.a[')", body="{}")


def test_compiled_template_is_reusable_across_requests() -> None:
    template = compile_template("$input.path('$.v')")
    assert template.render(TemplateInputs(body='{"v": 1}')) == "1"
    assert template.render(TemplateInputs(body='{"v": 2}')) == "2"


def test_cloudformation_placeholder_left_in_a_template_prints_literally_velocity_quirk() -> None:
    """AWS::Include leaves ``${AWS::Region}`` in templates; Velocity prints non-references as text."""
    assert render(
        '{"arn": "arn:aws:states:${AWS::Region}:x", "stage": "$context.stage"}', context={"stage": "p"}
    ) == ('{"arn": "arn:aws:states:${AWS::Region}:x", "stage": "p"}')
