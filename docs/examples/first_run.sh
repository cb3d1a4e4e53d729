clientsync init                      # writes a commented clientsync.toml; edit [[sources]]
clientsync connectors                # is your tracker's connector installed?
clientsync sync                      # reads the tracker into .clientsync/state.db
clientsync baseline capture --agreed-by "Jordan Lee (Acme)" --budget-hours 240
clientsync report --out status.md    # the client's view, as Markdown
clientsync report --format json --out status.json --fail-on red
