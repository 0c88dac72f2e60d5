"""``python -m api.cli``, as the console script ``registry``."""

import sys

from api.cli.parser import main

sys.exit(main())
