from tctfmsg.cli.app import main

main()
