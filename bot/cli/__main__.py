"""`python -m bot.cli`: the same as the `prescreen` command."""

from bot.cli.main import main

raise SystemExit(main())
