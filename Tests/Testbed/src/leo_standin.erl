%% A LeoFS manager stand-in on real Mnesia: boots like leo_manager (first boot creates the
%% schema and the LeoFS tables on both managers; later boots wait for the tables and stop
%% when they do not load), and serves the text console that leofs-adm talks to.
-module(leo_standin).
-export([start/0, ready/0, tables/0, first_boot_partner/0, mark_ready/0, ring_hash/1]).

-define(DEFAULT_KEY, <<"05236">>).
-define(DEFAULT_SECRET, <<"802562235">>).

%% Table name, attributes, type. All are disc_copies on both managers.
tables() ->
    [{leo_storage_nodes, [node, state, ring_hash_new, ring_hash_old, when_is], set},
     {leo_gateway_nodes, [node, state, port, ssl_port, when_is], set},
     {leo_rebalance_info, [vnode_id, node, total_of_objects, num_of_remains, when_is], set},
     {leo_available_commands, [command, help], set},
     {leo_del_bucket_state, [bucket, node, state, timestamp], set},
     {leo_system_conf, [id, version, cluster_id, dc_id, n, r, w, d, bit_of_ring, num_of_dc_replicas], set},
     {leo_cluster_info, [cluster_id, dc_id, version, status, manager_nodes, num_of_storages], set},
     {leo_cluster_stat, [cluster_id, status, checksum, updated_at], set},
     {leo_cluster_manager, [node, cluster_id], set},
     {leo_cluster_member, [node, cluster_id, alias, ip, port, inet, clock, num_of_vnodes, status], set},
     {leo_ring_cur, [vnode_id, node, clock], ordered_set},
     {leo_ring_prv, [vnode_id, node, clock], ordered_set},
     {leo_members_cur, [node, alias, ip, port, inet, clock, state, num_of_vnodes], set},
     {leo_members_prev, [node, alias, ip, port, inet, clock, state, num_of_vnodes], set},
     {leo_s3_endpoints, [endpoint, created_at], set},
     {leo_s3_credentials, [access_key_id, secret_access_key, created_at], set},
     {leo_s3_buckets, [name, access_key_id, acls, cluster_id, last_synchroized_at, created_at, last_modified_at, del], set},
     {leo_s3_users, [id, role_id, created_at, updated_at, del], set},
     {leo_s3_user_credential, [user_id, access_key_id, created_at], set},
     {sv_schemas, [name, created_at], set},
     {sv_columns, [id, schema_name, name, type, constraint, created_at], set},
     {sv_metric_grp, [id, schema_name, name, window, callback, created_at], set}].

table_names() -> [T || {T, _, _} <- tables()].

%% Entry point (erl -s leo_standin start).
start() ->
    spawn(fun() ->
              try boot()
              catch Class:Reason:Stack ->
                  %% A manager that cannot boot says why in its log, then stops.
                  #{pid_file := PidFile} = persistent_term:get(standin_settings, #{pid_file => "/dev/null"}),
                  Log = filename:join([filename:dirname(filename:dirname(PidFile)), "log", "boot_error.log"]),
                  file:write_file(Log, io_lib:format("~p:~p~n~p~n", [Class, Reason, Stack]), [append]),
                  init:stop(1)
              end
          end).

%% Settings come as plain arguments from bin/leo_manager (-standin_KEY VALUE).
boot_settings() ->
    Get = fun(K) -> {ok, [[V]]} = init:get_argument(list_to_atom("standin_" ++ atom_to_list(K))), V end,
    #{role => list_to_atom(Get(role)), partner => list_to_atom(Get(partner)),
      cluster_id => list_to_atom(Get(cluster_id)), console_port => list_to_integer(Get(console_port)),
      console_host => Get(console_host), table_wait => list_to_integer(Get(table_wait)),
      pid_file => Get(pid_file), mnesia_dir => Get(mnesia_dir)}.

boot() ->
    register(leo_standin, self()),
    S = boot_settings(),
    persistent_term:put(standin_settings, S),
    persistent_term:put(standin_ready, false),
    persistent_term:put(standin_managers, {}),
    ok = file:write_file(maps:get(pid_file, S), os:getpid()),
    ok = start_console(S),
    FirstBoot = filelib:wildcard(filename:join(maps:get(mnesia_dir, S), "*.DCD")) =:= [],
    case {FirstBoot, maps:get(role, S)} of
        {true, master} -> first_boot_master(S);
        {true, slave} -> ok;  %% the master creates our schema and marks us ready
        {false, _} -> normal_boot(S)
    end,
    loop().

loop() ->
    receive stop -> ok; _ -> loop() end.

%% The master waits for its partner, then creates the schema and tables on both.
first_boot_master(S) ->
    Partner = maps:get(partner, S),
    wait_for_partner(Partner),
    ok = rpc:call(Partner, leo_standin, first_boot_partner, []),
    ok = mnesia:create_schema([node(), Partner]),
    ok = mnesia:start(),
    ok = rpc:call(Partner, mnesia, start, []),
    Nodes = [node(), Partner],
    [{atomic, ok} = mnesia:create_table(T, [{disc_copies, Nodes}, {type, Type}, {attributes, Attrs}])
     || {T, Attrs, Type} <- tables()],
    write_default_rows(S, Nodes),
    mnesia:dump_log(),
    ok = rpc:call(Partner, leo_standin, mark_ready, []),
    mark_ready().

wait_for_partner(Partner) ->
    case net_adm:ping(Partner) of
        pong ->
            case rpc:call(Partner, erlang, whereis, [leo_standin]) of
                P when is_pid(P) -> ok;
                _ -> timer:sleep(200), wait_for_partner(Partner)
            end;
        pang -> timer:sleep(200), wait_for_partner(Partner)
    end.

%% Called on the slave by the master before it creates the schema: Mnesia must be stopped.
first_boot_partner() ->
    stopped = mnesia:stop(),
    ok.

mark_ready() ->
    persistent_term:put(standin_ready, true),
    ok.

ready() -> persistent_term:get(standin_ready, false).

normal_boot(S) ->
    ok = mnesia:start(),
    Wait = maps:get(table_wait, S) * 1000,
    case mnesia:wait_for_tables(table_names(), Wait) of
        ok ->
            mark_ready();
        Other ->
            error_logger:error_msg("tables did not load within ~p ms: ~p; stopping~n", [Wait, Other]),
            init:stop(1)
    end.

write_default_rows(S, [Master, Slave]) ->
    Cluster = maps:get(cluster_id, S),
    Now = erlang:system_time(second),
    Storages = ['storage_0@127.0.0.1', 'storage_1@127.0.0.1', 'storage_2@127.0.0.1'],
    Rows =
        [{leo_system_conf, 1, 1, Cluster, dc_1, 3, 1, 2, 2, 128, 0},
         {leo_cluster_info, Cluster, dc_1, 1, running, [Master, Slave], length(Storages)},
         {leo_cluster_stat, Cluster, running, 0, Now},
         {leo_cluster_manager, Master, Cluster},
         {leo_cluster_manager, Slave, Cluster},
         {leo_s3_endpoints, <<"localhost">>, Now},
         {leo_s3_endpoints, <<"s3.amazonaws.com">>, Now},
         {leo_s3_users, <<"_test_leofs">>, 9, Now, Now, false},
         {leo_s3_credentials, ?DEFAULT_KEY, ?DEFAULT_SECRET, Now},
         {leo_s3_user_credential, <<"_test_leofs">>, ?DEFAULT_KEY, Now},
         {leo_available_commands, status, <<"status of the cluster">>}]
        ++ [{leo_members_cur, N, N, "127.0.0.1", 13075, inet, Now, running, 168} || N <- Storages]
        ++ [{leo_storage_nodes, N, running, 0, 0, Now} || N <- Storages]
        ++ [{leo_cluster_member, N, Cluster, N, "127.0.0.1", 13075, inet, Now, 168, running} || N <- Storages]
        ++ [{Ring, V, lists:nth(V rem 3 + 1, Storages), Now} || Ring <- [leo_ring_cur, leo_ring_prv], V <- lists:seq(1, 256)],
    {atomic, ok} = mnesia:transaction(fun() -> [mnesia:write(R) || R <- Rows], ok end).

%% 8 hex digits over the ring table's rows in key order: equal rings, equal hashes.
ring_hash(Table) ->
    Rows = case catch mnesia:dirty_match_object(Table, mnesia:table_info(Table, wild_pattern)) of
               L when is_list(L) -> lists:sort(L);
               _ -> []
           end,
    lists:flatten(io_lib:format("~8.16.0b", [erlang:crc32(term_to_binary(Rows))])).

%% ---------------------------------------------------------------- text console

start_console(S) ->
    {ok, Address} = inet:parse_address(maps:get(console_host, S)),
    {ok, Listen} = gen_tcp:listen(maps:get(console_port, S),
                                  [binary, {packet, line}, {active, false}, {reuseaddr, true}, {ip, Address}]),
    spawn_link(fun() -> accept(Listen) end),
    ok.

accept(Listen) ->
    {ok, Socket} = gen_tcp:accept(Listen),
    Pid = spawn(fun() -> receive go -> serve(Socket) end end),
    ok = gen_tcp:controlling_process(Socket, Pid),
    Pid ! go,
    accept(Listen).

serve(Socket) ->
    case gen_tcp:recv(Socket, 0) of
        {ok, Line} ->
            Command = re:replace(Line, "[\r\n]+$", "", [{return, list}]),
            case Command of
                "quit" -> gen_tcp:send(Socket, <<"BYE\r\n">>), gen_tcp:close(Socket);
                "" -> serve(Socket);
                _ ->
                    log_command(Command),
                    Reply = try handle(string:lexemes(Command, " \t"))
                            catch Class:Reason -> io_lib:format("[ERROR] ~p:~p~n", [Class, Reason]) end,
                    gen_tcp:send(Socket, crlf(lists:flatten(Reply))),
                    serve(Socket)
            end;
        {error, _} ->
            gen_tcp:close(Socket)
    end.

%% Like the real manager, keep a log of console commands (tests read it).
log_command(Command) ->
    #{pid_file := PidFile} = persistent_term:get(standin_settings),
    Log = filename:join([filename:dirname(filename:dirname(PidFile)), "log", "console.log"]),
    file:write_file(Log, [Command, "\n"], [append]).

%% Every reply line ends in CRLF.
crlf(Text) ->
    Lines = string:split(string:trim(Text, trailing, "\n"), "\n", all),
    iolist_to_binary([[L, "\r\n"] || L <- Lines]).

handle(Args) ->
    case ready() of
        false -> "[ERROR] Not initialized\n";
        true -> command(Args)
    end.

command(["status"]) -> status();
command(["update-managers", M, S]) ->
    persistent_term:put(standin_managers, {list_to_atom(M), list_to_atom(S)}),
    "OK\n";
command(["create-user", User | Rest]) when length(Rest) =< 1 ->
    Id = list_to_binary(User),
    case mnesia:dirty_read(leo_s3_users, Id) of
        [_ | _] -> "[ERROR] Already exists\n";
        [] ->
            Now = erlang:system_time(second),
            Key = list_to_binary(random_hex(10)),
            Secret = list_to_binary(random_hex(20)),
            {atomic, ok} = mnesia:transaction(fun() ->
                ok = mnesia:write({leo_s3_users, Id, 1, Now, Now, false}),
                ok = mnesia:write({leo_s3_credentials, Key, Secret, Now}),
                mnesia:write({leo_s3_user_credential, Id, Key, Now}) end),
            io_lib:format("access-key-id: ~s~nsecret-access-key: ~s~n", [Key, Secret])
    end;
command(["delete-user", User]) ->
    Id = list_to_binary(User),
    case mnesia:dirty_read(leo_s3_users, Id) of
        [] -> "[ERROR] User not found\n";
        _ ->
            Keys = [K || {_, _, K, _} <- mnesia:dirty_read(leo_s3_user_credential, Id)],
            {atomic, ok} = mnesia:transaction(fun() ->
                [mnesia:delete({leo_s3_credentials, K}) || K <- Keys],
                ok = mnesia:delete({leo_s3_user_credential, Id}),
                mnesia:delete({leo_s3_users, Id}) end),
            "OK\n"
    end;
command(["get-users"]) ->
    Rows = lists:sort(mnesia:dirty_match_object({leo_s3_users, '_', '_', '_', '_', '_'})),
    Header = io_lib:format("~-20s | ~-7s | ~-22s | ~s~n", ["user_id", "role_id", "access_key_id", "created_at"]),
    Header ++ lists:flatten(
        [io_lib:format("~-20s | ~-7w | ~-22s | ~w~n", [Id, Role, keys_of(Id), Created])
         || {_, Id, Role, Created, _, _} <- Rows]);
command(["add-endpoint", Endpoint]) ->
    ok = mnesia:dirty_write({leo_s3_endpoints, list_to_binary(Endpoint), erlang:system_time(second)}),
    "OK\n";
command(["get-endpoints"]) ->
    Rows = lists:sort(mnesia:dirty_match_object({leo_s3_endpoints, '_', '_'})),
    "endpoint\n" ++ lists:flatten([io_lib:format("~s~n", [E]) || {_, E, _} <- Rows]);
command(["add-bucket", Bucket, Key]) ->
    Name = list_to_binary(Bucket),
    case {mnesia:dirty_read(leo_s3_credentials, list_to_binary(Key)), mnesia:dirty_read(leo_s3_buckets, Name)} of
        {[], _} -> "[ERROR] Invalid access key id\n";
        {_, [_ | _]} -> "[ERROR] Bucket already exists\n";
        {_, []} ->
            Now = erlang:system_time(second),
            #{cluster_id := Cluster} = persistent_term:get(standin_settings),
            ok = mnesia:dirty_write({leo_s3_buckets, Name, list_to_binary(Key), [], Cluster, Now, Now, Now, false}),
            "OK\n"
    end;
command(["get-buckets"]) ->
    Rows = lists:sort(mnesia:dirty_match_object({leo_s3_buckets, '_', '_', '_', '_', '_', '_', '_', '_'})),
    "bucket | owner\n" ++ lists:flatten([io_lib:format("~s | ~s~n", [B, K]) || {_, B, K, _, _, _, _, _, _} <- Rows]);
command(_) ->
    "[ERROR] Command not exist\n".

keys_of(Id) ->
    string:join([binary_to_list(K) || {_, _, K, _} <- mnesia:dirty_read(leo_s3_user_credential, Id)], ",").

status() ->
    #{cluster_id := Cluster} = persistent_term:get(standin_settings),
    Managers = case persistent_term:get(standin_managers) of
                   {M, S} -> [M, S];
                   {} -> [node(), maps:get(partner, persistent_term:get(standin_settings))]
               end,
    Line = "-----------------------------------+--------------------------------------------\n",
    Row = fun(K, V) -> io_lib:format(" ~-34s| ~s~n", [K, V]) end,
    Nodes = lists:sort(mnesia:dirty_match_object({leo_members_cur, '_', '_', '_', '_', '_', '_', '_', '_'})),
    lists:flatten(
      [" [System Confiuration]\n", Line,
       Row("Item", "Value"), Line,
       Row("basic/consistency level", ""),
       Row("system version", "1.4.3"),
       Row("cluster Id", atom_to_list(Cluster)),
       Row("DC Id", "dc_1"),
       Row("Total replicas", "3"),
       Row("ring size", "2^128"),
       Row("current ring-hash", ring_hash(leo_ring_cur)),
       Row("previous ring-hash", ring_hash(leo_ring_prv)),
       Line, "\n",
       " [State of Node(s)]\n",
       "-------+--------------------------------+--------------+----------------\n",
       " type  |              node              |    state     | current ring\n",
       "-------+--------------------------------+--------------+----------------\n",
       [io_lib:format("  M    | ~-30s | running      | ~s~n", [N, ring_hash(leo_ring_cur)]) || N <- Managers],
       [io_lib:format("  S    | ~-30s | ~-12s | ~s~n", [N, St, ring_hash(leo_ring_cur)])
        || {_, N, _, _, _, _, _, St, _} <- Nodes],
       "-------+--------------------------------+--------------+----------------\n"]).

random_hex(Bytes) ->
    lists:flatten([io_lib:format("~2.16.0b", [B]) || <<B>> <= crypto_free_random(Bytes)]).

crypto_free_random(N) -> list_to_binary([rand:uniform(256) - 1 || _ <- lists:seq(1, N)]).
