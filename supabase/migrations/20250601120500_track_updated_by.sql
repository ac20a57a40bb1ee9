-- Track: who last changed each synced row (additive; the web app does not notice it).
--
-- * updated_by uuid on every synced table, stamped by the zz_track_sync_stamp trigger with
--   auth.uid() on every insert and update: the signed-in person whose request wrote the row, or
--   NULL for the service role, an Edge Function, an automation or direct SQL. A value a client
--   sends is overwritten, so nobody can write in someone else's name. The terminal client shows
--   it ("Bob Ito changed the close date"; "someone (the web app or an automation)" for NULL).
-- * No foreign key to auth.users: deleting a person must not rewrite (and re-version) every row
--   they ever touched; an id nobody has any more reads as "someone".
-- * The audit trigger keeps ignoring updates that change nothing but the sync columns, which
--   now include updated_by.
--
-- Re-runnable: ADD COLUMN IF NOT EXISTS, CREATE OR REPLACE FUNCTION. RLS is untouched.

do $$
declare t text;
begin
  foreach t in array array['profiles', 'workspaces', 'workspace_members', 'boards', 'board_stages',
                           'board_cards', 'contacts', 'companies', 'deals', 'deal_contacts',
                           'timeline_entries', 'tasks', 'custom_fields', 'automations', 'automation_runs']
  loop
    execute format('alter table public.%I add column if not exists updated_by uuid', t);
  end loop;
end
$$;

-- The stamp of 20250601120200_track_sync.sql, now also saying who. Every table it runs on has
-- the column from the block above (plpgsql resolves new.updated_by when the trigger fires).
create or replace function track_internal.sync_stamp()
returns trigger language plpgsql set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    new.version := 1;
    new.updated_at := clock_timestamp();
  else
    new.version := coalesce(old.version, 0) + 1;
    new.updated_at := greatest(clock_timestamp(), old.updated_at + interval '1 microsecond');
  end if;
  new.updated_by := auth.uid();
  return new;
end
$$;

-- The audit trigger of 20250601120400_track_audit.sql, with updated_by among the sync columns
-- an update may change without being logged.
create or replace function track_internal.write_audit()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  o jsonb;
  n jsonb;
  ws uuid;
  actor uuid := auth.uid();
begin
  if tg_op <> 'INSERT' then o := to_jsonb(old); end if;
  if tg_op <> 'DELETE' then n := to_jsonb(new); end if;
  if tg_op = 'UPDATE'
     and (o - 'updated_at' - 'version' - 'updated_by') = (n - 'updated_at' - 'version' - 'updated_by') then
    return null;
  end if;
  ws := case when tg_table_name = 'workspaces' then coalesce(n ->> 'id', o ->> 'id')
             else coalesce(n ->> 'workspace_id', o ->> 'workspace_id') end::uuid;
  if ws is null or not exists (select 1 from public.workspaces where id = ws) then
    return null;
  end if;
  if actor is not null and not exists (select 1 from auth.users where id = actor) then
    actor := null;
  end if;
  insert into public.audit_log (workspace_id, actor_id, actor_role, table_name, record_id, action, old_data, new_data)
  values (ws, actor, auth.jwt() ->> 'role', tg_table_name, coalesce(n ->> 'id', o ->> 'id'),
          lower(tg_op), o, n);
  return null;
end
$$;
revoke execute on function track_internal.write_audit() from public, anon, authenticated;
