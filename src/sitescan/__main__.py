from sitescan.cli import main

main()
