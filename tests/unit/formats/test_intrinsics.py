"""CloudFormation intrinsic functions evaluated offline, with exact values."""

from __future__ import annotations

from typing import Any

import pytest

from tollway.errors import DefinitionError
from tollway.formats.cloudformation.intrinsics import Resolver, pseudo_parameters
from tollway.model import ids

STACK = "/stacks/shop/template.yaml"
RESOURCES: dict[str, Any] = {
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
    "Live": {
        "Type": "AWS::Lambda::Alias",
        "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"},
    },
    "Pets": {"Type": "AWS::ApiGateway::Model", "Properties": {"Name": "PetModel"}},
    "Maybe": {"Type": "AWS::SQS::Queue", "Condition": "IsProd", "Properties": {}},
}


def resolver(**params: Any) -> Resolver:
    parameters: dict[str, Any] = {"Env": "dev", "Subnets": ["a", "b"], **params}
    parameters.update(pseudo_parameters("shop"))
    return Resolver(
        source="template.yaml",
        stack_key=STACK,
        parameters=parameters,
        resources=RESOURCES,
        mappings={"Sizes": {"dev": {"Mem": "128"}, "prod": {"Mem": "1024"}}},
        condition_defs={
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": ["1", 1]}]},
            "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Both"}]},
            "Loop": {"Condition": "Loop"},
        },
    )


def ev(value: Any, **params: Any) -> Any:
    return resolver(**params).resolve(value, "")


def test_pseudo_parameters_have_fixed_offline_values() -> None:
    assert ev({"Ref": "AWS::Region"}) == "us-east-1"
    assert ev({"Ref": "AWS::AccountId"}) == "123456789012"
    assert ev({"Ref": "AWS::StackName"}) == "shop"
    assert ev({"Ref": "AWS::Partition"}) == "aws"
    assert ev({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"


def test_ref_aws_novalue_removes_the_key_and_the_list_item() -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": ["x", {"Ref": "AWS::NoValue"}]}
    assert ev(value) == {"B": ["x"]}


def test_ref_of_resources_gives_stable_physical_ids() -> None:
    assert ev({"Ref": "Fn"}) == "Fn"
    assert ev({"Ref": "Api"}) == ids.api_id(f"{STACK}#Api")
    assert ev({"Ref": "Queue"}) == "https://sqs.us-east-1.amazonaws.com/123456789012/Queue"
    assert ev({"Ref": "Live"}) == "arn:aws:lambda:us-east-1:123456789012:function:Fn:live"
    assert ev({"Ref": "Pets"}) == "PetModel"  # Ref of a model is its name


def test_getatt_lambda_arn_names_the_function_by_logical_id() -> None:
    assert ev({"Fn::GetAtt": ["Fn", "Arn"]}) == "arn:aws:lambda:us-east-1:123456789012:function:Fn"
    assert ev({"Fn::GetAtt": "Fn.Arn"}) == "arn:aws:lambda:us-east-1:123456789012:function:Fn"


def test_getatt_root_resource_id_and_other_resources() -> None:
    root = ids.resource_id(ids.api_id(f"{STACK}#Api"), "/")
    assert ev({"Fn::GetAtt": ["Api", "RootResourceId"]}) == root
    assert ev({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:us-east-1:123456789012:Queue"
    assert ev({"Fn::GetAtt": ["Queue", "QueueName"]}) == "Queue"


def test_sub_string_form_with_params_pseudo_getatt_and_escape() -> None:
    text = (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/${Env}/${!Literal}"
    )
    assert ev({"Fn::Sub": text}) == (
        "arn:aws:apigateway:us-east-1:lambda:path/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:Fn/dev/${Literal}"
    )


def test_sub_list_form_uses_its_variables_first() -> None:
    assert ev({"Fn::Sub": ["${Env}-${Name}", {"Name": {"Ref": "AWS::StackName"}, "Env": "x"}]}) == "x-shop"


def test_join_select_split() -> None:
    assert ev({"Fn::Join": ["-", ["a", {"Ref": "Env"}, "c"]]}) == "a-dev-c"
    assert ev({"Fn::Select": ["1", {"Ref": "Subnets"}]}) == "b"
    assert ev({"Fn::Split": [",", "x,y,z"]}) == ["x", "y", "z"]
    assert ev({"Fn::Select": [0, {"Fn::Split": [".", "api.example.com"]}]}) == "api"


def test_select_out_of_range_is_a_definition_error_naming_the_place() -> None:
    with pytest.raises(DefinitionError) as err:
        resolver().resolve({"Fn::Select": [5, ["a"]]}, "/Resources/X/Properties/Y")
    assert str(err.value) == (
        "template.yaml: /Resources/X/Properties/Y/Fn::Select: Fn::Select index 5 is out of range"
    )


def test_conditions_equals_and_or_not_condition() -> None:
    r = resolver()
    assert [r.condition(n, "") for n in ("IsProd", "IsDev", "Both", "Either")] == [
        False,
        True,
        True,
        True,
    ]
    assert resolver(Env="prod").condition("Either", "") is True


def test_fn_if_picks_the_branch_of_the_condition() -> None:
    value = {"Fn::If": ["IsProd", "big", "small"]}
    assert ev(value) == "small"
    assert ev(value, Env="prod") == "big"
    assert ev({"K": {"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]}}) == {}


def test_resource_condition_false_means_the_resource_is_not_created() -> None:
    assert resolver().resource_enabled("Maybe") is False
    assert resolver(Env="prod").resource_enabled("Maybe") is True
    assert resolver().resource_enabled("Queue") is True


def test_a_condition_that_refers_to_itself_is_refused() -> None:
    with pytest.raises(DefinitionError, match="condition 'Loop' refers to itself"):
        resolver().condition("Loop", "")


def test_find_in_map() -> None:
    assert ev({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Mem"]}) == "128"
    with pytest.raises(DefinitionError, match="no key 'qa' in mapping 'Sizes'"):
        ev({"Fn::FindInMap": ["Sizes", "qa", "Mem"]})


def test_base64_getazs_and_tojsonstring() -> None:
    assert ev({"Fn::Base64": "hello"}) == "aGVsbG8="
    assert ev({"Fn::GetAZs": ""}) == [f"us-east-1{c}" for c in "abcdef"]
    assert ev({"Fn::ToJsonString": {"a": [1, {"Ref": "Env"}]}}) == '{"a":[1,"dev"]}'


def test_import_value_becomes_a_placeholder_with_a_warning() -> None:
    r = resolver()
    assert r.resolve({"Fn::ImportValue": "shared-vpc-id"}, "/X") == "imported:shared-vpc-id"
    assert r.warnings == [
        "template.yaml: /X/Fn::ImportValue: Fn::ImportValue 'shared-vpc-id' cannot be resolved "
        "offline; a placeholder 'imported:shared-vpc-id' is used"
    ]


def test_reference_to_nothing_uses_its_name_and_warns() -> None:
    r = resolver()
    assert r.resolve({"Ref": "Stage"}, "/S") == "Stage"
    assert r.warnings[0].startswith("template.yaml: /S/Ref: 'Stage' is neither a parameter")


def test_include_from_s3_is_refused_without_a_local_copy() -> None:
    value = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/x.yaml"}}}
    with pytest.raises(DefinitionError, match=r"AWS::Include location s3://b/x\.yaml is remote"):
        ev(value)


def test_an_iam_condition_block_is_not_mistaken_for_an_intrinsic() -> None:
    block = {"Condition": {"StringEquals": {"aws:SourceVpc": {"Ref": "Env"}}}}
    assert ev(block) == {"Condition": {"StringEquals": {"aws:SourceVpc": "dev"}}}
