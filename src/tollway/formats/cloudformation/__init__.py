"""CloudFormation and SAM templates -> tollway's REST API model.

:func:`import_template` is the entry point (``tollway.formats.loader.import_file`` calls it
for templates). See ``template.py`` for the order of the steps.
"""

from tollway.formats.cloudformation.template import import_template

__all__ = ["import_template"]
