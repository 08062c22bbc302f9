from pgconnect_cli.cli import main

main()
