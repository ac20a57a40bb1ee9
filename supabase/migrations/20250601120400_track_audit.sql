-- Track: audit_log written by trigger for every change to the domain tables.
--
-- One row per inserted, updated or deleted row: workspace_id, actor_id (auth.uid(), NULL for
-- the service role or direct SQL), actor_role (the JWT's role claim), table_name, record_id,
-- action ('insert' | 'update' | 'delete'), old_data / new_data (the whole row as jsonb) and
-- created_at. Updates that change nothing but the sync columns are not logged. Rows removed
-- because their whole workspace is being deleted are not logged (the log goes with it).
-- Members read their workspace's log (RLS policy in the RLS migration); nobody but this
-- trigger (SECURITY DEFINER) writes it through the API.

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
  if tg_op = 'UPDATE' and (o - 'updated_at' - 'version') = (n - 'updated_at' - 'version') then
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

do $$
declare t text;
begin
  foreach t in array array['workspaces', 'workspace_members', 'boards', 'board_stages', 'board_cards',
                           'contacts', 'companies', 'deals', 'deal_contacts', 'timeline_entries',
                           'tasks', 'custom_fields', 'automations']
  loop
    execute format('drop trigger if exists track_60_audit on public.%I', t);
    execute format('create trigger track_60_audit after insert or update or delete on public.%I
                      for each row execute function track_internal.write_audit()', t);
  end loop;
end
$$;
