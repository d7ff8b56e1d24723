%% The control half of the stand-in's bin/leo_manager: a hidden Erlang node that talks to
%% the manager over distribution, with the outputs and exit codes of the real script.
-module(leo_standin_ctl).
-export([main/1]).

main([Op, NodeName | Args]) ->
    Node = list_to_atom(NodeName),
    halt(run(Op, Node, Args)).

run("ping", Node, []) ->
    case net_adm:ping(Node) of
        pong -> io:format("pong~n"), 0;
        pang -> io:format("Node '~s' not responding to pings.~n", [Node]), 1
    end;
run("stop", Node, []) ->
    case net_adm:ping(Node) of
        pong -> rpc:call(Node, init, stop, []), io:format("ok~n"), 0;
        pang -> io:format("Node '~s' not responding to pings.~n", [Node]), 1
    end;
run("wait_ready", Node, [Seconds]) ->
    Deadline = erlang:monotonic_time(millisecond) + list_to_integer(Seconds) * 1000,
    wait_ready(Node, Deadline);
run("dump", Node, [Path]) ->
    case rpc:call(Node, mnesia, dump_to_textfile, [Path]) of
        ok -> 0;
        _ -> 1
    end;
run("load", Node, [Path]) ->
    Result = rpc:call(Node, mnesia, load_textfile, [Path]),
    io:format("~p~n", [Result]),
    %% As in LeoFS: anything but `ok` counts as failure, even {atomic,ok}.
    case Result of
        ok -> 0;
        _ -> 1
    end.

wait_ready(Node, Deadline) ->
    Ready = net_adm:ping(Node) =:= pong andalso rpc:call(Node, leo_standin, ready, []) =:= true,
    case Ready of
        true -> 0;
        false ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> io:format("Node '~s' is not ready~n", [Node]), 1;
                false -> timer:sleep(200), wait_ready(Node, Deadline)
            end
    end.
