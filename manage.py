#!/usr/bin/env python
"""Same as the `kabinet` console script."""

from kabinet.__main__ import main

if __name__ == "__main__":
    main()
