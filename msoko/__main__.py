from msoko.cli import main

raise SystemExit(main())
