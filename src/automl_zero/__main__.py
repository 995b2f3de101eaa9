import sys

from automl_zero.cli import main

sys.exit(main())
