# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_digestfeed_global_optspecs
    string join \n once config= input= output= base-url= error-format= diff format= allow-empty no-ping v/verbose q/quiet h/help V/version
end

function __fish_digestfeed_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_digestfeed_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_digestfeed_using_subcommand
    set -l cmd (__fish_digestfeed_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c digestfeed -n "__fish_digestfeed_needs_command" -l config -d 'YAML config file (see config/digestfeed.yaml); flags override its values' -r -F
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l input -d 'Folder of digest Markdown files, searched recursively' -r -F
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l output -d 'Folder the feeds are written to' -r -F
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l base-url -d 'Absolute URL the output folder is served at, e.g. https://example.org/feeds/' -r
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l error-format -d 'How problems in digests are shown: human (path:line: what, in the log), github (workflow annotations on standard output), json (one object a line)' -r -f -a "human\t'`path:line: what is wrong`, in the log (standard error)'
github\t'`::error file=…,line=…::…` workflow commands on standard output'
json\t'One JSON object a line on standard output'"
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l format -d 'How --diff prints: text, or json (one object per feed)' -r -f -a "text\t''
json\t''"
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l once -d 'Regenerate every feed once and exit (without it, digestfeed watches the folder)'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l diff -d 'With --once or check: print, per feed, the entries added, removed and changed (title, summary, date, categories, author) on standard output'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l allow-empty -d 'With --once: an input folder without a digest is fine (without it, such a run writes nothing and exits 1, as a mistyped folder would)'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -l no-ping -d 'With --once: do not tell the WebSub hubs (`websub.hubs`) which feeds changed'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -s v -l verbose -d 'More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -s q -l quiet -d 'Less log output (-q warnings and errors only, -qq errors only)'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -s V -l version -d 'Print version'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -f -a "publish" -d 'Take over a bucket whose manifest was lost (deleted, or a store restarted empty)'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -f -a "check" -d 'Check without writing: are the digests sound, and would the feeds change?'
complete -c digestfeed -n "__fish_digestfeed_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l config -d 'YAML config file (see config/digestfeed.yaml); flags override its values' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l input -d 'Folder of digest Markdown files, searched recursively' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l output -d 'Folder the feeds are written to' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l base-url -d 'Absolute URL the output folder is served at, e.g. https://example.org/feeds/' -r
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l error-format -d 'How problems in digests are shown: human (path:line: what, in the log), github (workflow annotations on standard output), json (one object a line)' -r -f -a "human\t'`path:line: what is wrong`, in the log (standard error)'
github\t'`::error file=…,line=…::…` workflow commands on standard output'
json\t'One JSON object a line on standard output'"
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l format -d 'How --diff prints: text, or json (one object per feed)' -r -f -a "text\t''
json\t''"
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l adopt -d 'Take over the objects at feeds\' paths that hold what digestfeed would write'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -l diff -d 'With --once or check: print, per feed, the entries added, removed and changed (title, summary, date, categories, author) on standard output'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -s v -l verbose -d 'More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -s q -l quiet -d 'Less log output (-q warnings and errors only, -qq errors only)'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l deny -d 'Make a lint fail the check (exit 1): its code (DF001) or name (duplicate-item), or `all` (every lint that is on by default). Repeatable' -r
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l warn -d 'Report a lint that is off by default (DF007, retitled-tweet) as a warning. Repeatable' -r
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l config -d 'YAML config file (see config/digestfeed.yaml); flags override its values' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l input -d 'Folder of digest Markdown files, searched recursively' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l output -d 'Folder the feeds are written to' -r -F
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l base-url -d 'Absolute URL the output folder is served at, e.g. https://example.org/feeds/' -r
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l error-format -d 'How problems in digests are shown: human (path:line: what, in the log), github (workflow annotations on standard output), json (one object a line)' -r -f -a "human\t'`path:line: what is wrong`, in the log (standard error)'
github\t'`::error file=…,line=…::…` workflow commands on standard output'
json\t'One JSON object a line on standard output'"
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l format -d 'How --diff prints: text, or json (one object per feed)' -r -f -a "text\t''
json\t''"
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -l diff -d 'With --once or check: print, per feed, the entries added, removed and changed (title, summary, date, categories, author) on standard output'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -s v -l verbose -d 'More log output (-v debug, -vv trace). RUST_LOG, when set, takes precedence'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -s q -l quiet -d 'Less log output (-q warnings and errors only, -qq errors only)'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand help; and not __fish_seen_subcommand_from publish check help" -f -a "publish" -d 'Take over a bucket whose manifest was lost (deleted, or a store restarted empty)'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand help; and not __fish_seen_subcommand_from publish check help" -f -a "check" -d 'Check without writing: are the digests sound, and would the feeds change?'
complete -c digestfeed -n "__fish_digestfeed_using_subcommand help; and not __fish_seen_subcommand_from publish check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
