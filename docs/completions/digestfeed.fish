complete -c digestfeed -l config -d 'YAML config file (see config/digestfeed.yaml); flags override its values' -r -F
complete -c digestfeed -l input -d 'Folder of digest Markdown files, searched recursively' -r -F
complete -c digestfeed -l output -d 'Folder the feeds are written to' -r -F
complete -c digestfeed -l base-url -d 'Absolute URL the output folder is served at, e.g. https://example.org/feeds/' -r
complete -c digestfeed -l once -d 'Regenerate every feed once and exit (without it, digestfeed watches the folder)'
complete -c digestfeed -l allow-empty -d 'With --once: an input folder without a digest is fine (without it, such a run writes nothing and exits 1, as a mistyped folder would)'
complete -c digestfeed -l no-ping -d 'With --once: do not tell the WebSub hubs (`websub.hubs`) which feeds changed'
complete -c digestfeed -s v -l verbose -d 'More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence'
complete -c digestfeed -s q -l quiet -d 'Less log output (-q warnings and errors only, -qq errors only)'
complete -c digestfeed -s h -l help -d 'Print help (see more with \'--help\')'
complete -c digestfeed -s V -l version -d 'Print version'
