/// The Erlang program a rehearsal runs (`erl -eval`), in one of two modes chosen by
/// `SNAP_REHEARSAL_MODE`:
///
/// - `files`: takes the node name (`SNAP_REHEARSAL_NODE`, else the schema's node that is
///   not `SNAP_REHEARSAL_PARTNER`), starts distribution under it without listening, starts
///   Mnesia on `SNAP_REHEARSAL_MNESIA_DIR`, force-loads every table also held on another
///   node (the partner is absent), and waits for every local table;
/// - `dump`: makes a fresh single-node schema there, starts Mnesia and loads
///   `SNAP_REHEARSAL_DUMP_IN` with `mnesia:load_textfile/1`, as a takeover does.
///
/// Then it writes every table with `mnesia:dump_to_textfile/1` to `SNAP_REHEARSAL_DUMP_OUT`
/// for snap to count and digest. It speaks
/// in `snap-rehearsal ...` lines on standard output (`forced TABLE yes` or Mnesia's other
/// answer, `not-loaded TABLE`, `dumped`, `failed WHAT REASON`, `no-mnesia`), and waits for
/// tables until `SNAP_REHEARSAL_WAIT_MS` after it started; anything else it prints is Mnesia's
/// own, kept for the report. A process watches standard input and halts the VM at its end:
/// snap holds the only write end, so the VM ends with snap, even after a SIGKILL.
enum RehearsalScript {
    static let text = """
        Say = fun(Format, Arguments) -> io:format("snap-rehearsal " ++ Format ++ "~n", Arguments) end,
        Quit = fun(Status) -> erlang:halt(Status, [{flush, true}]) end,
        spawn(fun() ->
            Watch = fun W() ->
                case io:get_line('') of
                    eof -> erlang:halt(3);
                    {error, _} -> erlang:halt(3);
                    _ -> W()
                end
            end,
            Watch()
        end),
        Env = fun(Name) -> case os:getenv(Name) of false -> ""; Value -> Value end end,
        Mode = Env("SNAP_REHEARSAL_MODE"),
        Wait = list_to_integer(Env("SNAP_REHEARSAL_WAIT_MS")),
        Out = Env("SNAP_REHEARSAL_DUMP_OUT"),
        case code:which(mnesia) of non_existing -> Say("no-mnesia", []), Quit(2); _ -> ok end,
        Dir = Env("SNAP_REHEARSAL_MNESIA_DIR"),
        Partner = Env("SNAP_REHEARSAL_PARTNER"),
        SchemaNodes = fun() ->
            Schema = [{file, filename:join(Dir, "schema.DAT")}, {access, read}, {keypos, 2}, {repair, false}],
            case dets:open_file(snap_schema, Schema) of
                {ok, T} ->
                    Nodes = case dets:lookup(T, schema) of
                        [{schema, schema, Props}] -> proplists:get_value(disc_copies, Props, []);
                        _ -> []
                    end,
                    dets:close(T), Nodes;
                _ -> []
            end
        end,
        Node = case {Env("SNAP_REHEARSAL_NODE"), Mode} of
            {"", "files"} ->
                case [N || N <- SchemaNodes(), atom_to_list(N) =/= Partner] of
                    [Only] -> Only;
                    Found -> Say("failed name: the record names no Erlang node and the schema holds ~w", [Found]), Quit(1)
                end;
            {"", _} -> 'snap_rehearsal@127.0.0.1';
            {Name, _} -> list_to_atom(Name)
        end,
        NameKind = case lists:member($., atom_to_list(Node)) of true -> longnames; false -> shortnames end,
        case net_kernel:start([Node, NameKind]) of
            {ok, _} -> ok;
            NetError -> Say("failed distribution ~w", [NetError]), Quit(1)
        end,
        application:set_env(mnesia, dir, Dir),
        Local = fun() -> mnesia:system_info(local_tables) -- [schema] end,
        Deadline = erlang:monotonic_time(millisecond) + Wait,
        Loaded = fun(Tables) ->
            Poll = fun P() ->
                case mnesia:wait_for_tables(Tables, 500) of
                    ok -> [];
                    {timeout, Missing} ->
                        Running = mnesia:system_info(is_running) =:= yes,
                        case Running andalso erlang:monotonic_time(millisecond) < Deadline of
                            true -> P();
                            false when Running -> Missing;
                            false -> Say("failed Mnesia stopped while loading", []), Missing
                        end;
                    {error, Reason} -> Say("failed wait ~w", [Reason]), Quit(1)
                end
            end,
            Poll()
        end,
        Start = fun() ->
            case mnesia:start() of
                ok -> ok;
                StartError -> Say("failed mnesia-start ~w", [StartError]), Quit(1)
            end
        end,
        case Mode of
            "files" ->
                Start(),
                Tables = Local(),
                Shared = [T || T <- Tables, lists:usort(mnesia:table_info(T, all_nodes)) =/= [node()]],
                %% force_load_table waits for its table without a deadline: one process each,
                %% and the deadline is the wait for all of them.
                Self = self(),
                [spawn(fun() -> Self ! {forced, T, mnesia:force_load_table(T)} end) || T <- Shared],
                NotLoaded = Loaded(Tables),
                [receive {forced, T, Result} -> Say("forced ~s ~w", [T, Result]) after 0 -> ok end || T <- Shared],
                [Say("not-loaded ~s", [T]) || T <- NotLoaded];
            "dump" ->
                case mnesia:create_schema([node()]) of
                    ok -> ok;
                    SchemaError -> Say("failed create-schema ~w", [SchemaError]), Quit(1)
                end,
                Start(),
                case mnesia:load_textfile(Env("SNAP_REHEARSAL_DUMP_IN")) of
                    ok -> ok;
                    {atomic, ok} -> ok;
                    LoadError -> Say("failed load-textfile ~w", [LoadError]), Quit(1)
                end,
                [Say("not-loaded ~s", [T]) || T <- Loaded(Local())]
        end,
        %% Only a Mnesia that runs with every table loaded is written out.
        case mnesia:system_info(is_running) =:= yes andalso mnesia:wait_for_tables(Local(), 0) =:= ok of
            true ->
                case mnesia:dump_to_textfile(Out) of
                    ok -> Say("dumped", []);
                    WriteError -> Say("failed dump ~w", [WriteError])
                end;
            false -> Quit(1)
        end,
        Quit(0).
        """
}
