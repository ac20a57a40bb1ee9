-- Track: additive sync support (the web app does not notice it).
--
-- * updated_at / version on every synced table, maintained by a BEFORE trigger: updated_at is
--   clock_timestamp() (strictly increasing per row), version is 1 on insert and +1 on every
--   update. Values sent by clients are ignored.
-- * workspace_id on the child tables that lack one in the reference (board_stages, board_cards,
--   deal_contacts, automation_runs), always copied from the parent by trigger, so realtime can
--   filter every table by workspace_id.
-- * sync_tombstones: one row per hard delete of a synced row (AFTER DELETE triggers), readable
--   by the members of the row's workspace, so deletes made by any client reach every cache.
-- * every synced table (and sync_tombstones) in the supabase_realtime publication.
-- * indexes on (workspace_id, updated_at, id) for keyset pulls.

-- ---------------------------------------------------------------------------------------------
-- workspace_id on child tables
-- ---------------------------------------------------------------------------------------------
alter table public.board_stages add column if not exists workspace_id uuid references public.workspaces (id) on delete cascade;
alter table public.board_cards add column if not exists workspace_id uuid references public.workspaces (id) on delete cascade;
alter table public.deal_contacts add column if not exists workspace_id uuid references public.workspaces (id) on delete cascade;
alter table public.automation_runs add column if not exists workspace_id uuid references public.workspaces (id) on delete cascade;

-- Backfill rows written before this migration (a no-op on re-runs).
update public.board_stages c set workspace_id = p.workspace_id
  from public.boards p where p.id = c.board_id and c.workspace_id is distinct from p.workspace_id;
update public.board_cards c set workspace_id = p.workspace_id
  from public.boards p where p.id = c.board_id and c.workspace_id is distinct from p.workspace_id;
update public.deal_contacts c set workspace_id = p.workspace_id
  from public.deals p where p.id = c.deal_id and c.workspace_id is distinct from p.workspace_id;
update public.automation_runs c set workspace_id = p.workspace_id
  from public.automations p where p.id = c.automation_id and c.workspace_id is distinct from p.workspace_id;

create or replace function track_internal.fill_workspace_id()
returns trigger language plpgsql security definer set search_path = '' as $$
begin
  -- Always derived from the parent; whatever the client sent is overwritten. (IF branches,
  -- not one CASE: each branch names columns only its own table has.)
  if tg_table_name in ('board_stages', 'board_cards') then
    new.workspace_id := (select workspace_id from public.boards where id = new.board_id);
  elsif tg_table_name = 'deal_contacts' then
    new.workspace_id := (select workspace_id from public.deals where id = new.deal_id);
  elsif tg_table_name = 'automation_runs' then
    new.workspace_id := (select workspace_id from public.automations where id = new.automation_id);
  end if;
  return new;
end
$$;

do $$
declare t text;
begin
  foreach t in array array['board_stages', 'board_cards', 'deal_contacts', 'automation_runs'] loop
    execute format('drop trigger if exists track_10_fill_workspace_id on public.%I', t);
    execute format('create trigger track_10_fill_workspace_id before insert or update on public.%I
                      for each row execute function track_internal.fill_workspace_id()', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- updated_at / version
-- ---------------------------------------------------------------------------------------------
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
  return new;
end
$$;

do $$
declare t text;
begin
  foreach t in array array['profiles', 'workspaces', 'workspace_members', 'boards', 'board_stages',
                           'board_cards', 'contacts', 'companies', 'deals', 'deal_contacts',
                           'timeline_entries', 'tasks', 'custom_fields', 'automations', 'automation_runs']
  loop
    execute format('alter table public.%I add column if not exists updated_at timestamptz not null default now()', t);
    execute format('alter table public.%I add column if not exists version bigint not null default 1', t);
    -- A project whose table already had a nullable updated_at: give old rows a value.
    execute format('update public.%I set updated_at = now() where updated_at is null', t);
    execute format('update public.%I set version = 1 where version is null', t);
    -- Named to sort after any other BEFORE trigger (they fire in name order), so the stamp
    -- is final even if the web app has its own updated_at trigger.
    execute format('drop trigger if exists zz_track_sync_stamp on public.%I', t);
    execute format('create trigger zz_track_sync_stamp before insert or update on public.%I
                      for each row execute function track_internal.sync_stamp()', t);
    if t in ('profiles', 'workspaces') then
      execute format('create index if not exists %I on public.%I (updated_at, id)', t || '_sync_idx', t);
    else
      execute format('create index if not exists %I on public.%I (workspace_id, updated_at, id)', t || '_sync_idx', t);
    end if;
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Tombstones
-- ---------------------------------------------------------------------------------------------
-- No foreign key on workspace_id: tombstones are written while a workspace's rows are being
-- cascaded away, and cleaned up when the workspace itself goes (see forget_workspace).
create table if not exists public.sync_tombstones (
    id           bigint generated always as identity primary key,
    workspace_id uuid not null,
    table_name   text not null,
    row_id       uuid not null,
    row_key      jsonb,
    deleted_at   timestamptz not null default clock_timestamp(),
    deleted_by   uuid
);
create index if not exists sync_tombstones_sync_idx on public.sync_tombstones (workspace_id, deleted_at, id);
create index if not exists sync_tombstones_row_idx on public.sync_tombstones (table_name, row_id);

create or replace function track_internal.write_tombstone()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  o jsonb;
  key jsonb;
begin
  -- Rows removed because their whole workspace is being deleted need no tombstone.
  if old.workspace_id is null
     or not exists (select 1 from public.workspaces where id = old.workspace_id) then
    return old;
  end if;
  o := to_jsonb(old);
  key := case tg_table_name
           when 'deal_contacts' then jsonb_build_object('deal_id', o->'deal_id', 'contact_id', o->'contact_id')
           when 'workspace_members' then jsonb_build_object('workspace_id', o->'workspace_id', 'user_id', o->'user_id')
           else jsonb_build_object('id', o->'id')
         end;
  insert into public.sync_tombstones (workspace_id, table_name, row_id, row_key, deleted_by)
  values (old.workspace_id, tg_table_name, old.id, key, auth.uid());
  return old;
end
$$;

create or replace function track_internal.forget_workspace()
returns trigger language plpgsql security definer set search_path = '' as $$
begin
  delete from public.sync_tombstones where workspace_id = old.id;
  return old;
end
$$;

do $$
declare t text;
begin
  foreach t in array array['workspace_members', 'boards', 'board_stages', 'board_cards', 'contacts',
                           'companies', 'deals', 'deal_contacts', 'timeline_entries', 'tasks',
                           'custom_fields', 'automations', 'automation_runs']
  loop
    execute format('drop trigger if exists track_40_tombstone on public.%I', t);
    execute format('create trigger track_40_tombstone after delete on public.%I
                      for each row execute function track_internal.write_tombstone()', t);
  end loop;
end
$$;
drop trigger if exists track_40_forget_workspace on public.workspaces;
create trigger track_40_forget_workspace after delete on public.workspaces
  for each row execute function track_internal.forget_workspace();

alter table public.sync_tombstones enable row level security;
drop policy if exists track_select on public.sync_tombstones;
create policy track_select on public.sync_tombstones for select to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('viewer')));
grant select on public.sync_tombstones to authenticated;
grant all on public.sync_tombstones to service_role;
revoke insert, update, delete, truncate on public.sync_tombstones from anon, authenticated;

grant select, insert, update, delete on public.board_stages, public.board_cards,
  public.deal_contacts, public.automation_runs to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Realtime publication
-- ---------------------------------------------------------------------------------------------
do $$
declare t text;
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if (select puballtables from pg_publication where pubname = 'supabase_realtime') then
    return;  -- already publishes every table
  end if;
  foreach t in array array['profiles', 'workspaces', 'workspace_members', 'boards', 'board_stages',
                           'board_cards', 'contacts', 'companies', 'deals', 'deal_contacts',
                           'timeline_entries', 'tasks', 'custom_fields', 'automations',
                           'automation_runs', 'sync_tombstones']
  loop
    if not exists (select 1 from pg_publication_tables
                    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t) then
      execute format('alter publication supabase_realtime add table public.%I', t);
    end if;
  end loop;
end
$$;
