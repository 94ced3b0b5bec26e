from groundset_server.cli import main

raise SystemExit(main())
