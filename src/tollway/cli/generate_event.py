"""``tollway generate-event SERVICE EVENT [--option VALUE ...]``: print a sample event, as
``sam local generate-event`` does (``tollway generate-event apigateway aws-proxy --path pets
--method GET | tollway invoke MyFunction --event -``)."""

from __future__ import annotations

import argparse
import sys

from tollway.cli.sample_events import SAMPLES, generate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "generate-event", help="print a sample event of an AWS service for `invoke --event -`"
    )
    services = parser.add_subparsers(dest="service", required=True, metavar="SERVICE")
    for service, events in SAMPLES.items():
        service_parser = services.add_parser(service, help=f"{service} events")
        kinds = service_parser.add_subparsers(dest="event", required=True, metavar="EVENT")
        for event, sample in events.items():
            event_parser = kinds.add_parser(event, help=sample.help)
            for option, default in sample.options.items():
                event_parser.add_argument(
                    f"--{option}", dest=f"opt_{option}", default=default, help=f"default {default!r}"
                )


def run(args: argparse.Namespace) -> int:
    sample = SAMPLES[args.service][args.event]
    options = {option: getattr(args, f"opt_{option}") for option in sample.options}
    sys.stdout.write(generate(args.service, args.event, options) + "\n")
    return 0
