-- Track: Row-Level Security on every table.
--
-- Model: a signed-in user (role `authenticated`, id `auth.uid()`) reads and writes rows of the
-- workspaces they are a member of, and nothing else. Child tables without a workspace_id of
-- their own in the reference (board_stages, board_cards, deal_contacts, automation_runs) are
-- reached through their parent. `anon` has no policy at all, so it sees and changes nothing.
-- Roles (workspace_members.role), lowest to highest:
--   viewer  reads everything in the workspace, writes nothing
--   member  + writes contacts, companies, deals, deal_contacts, board_cards, timeline_entries, tasks
--   admin   + writes boards, board_stages, custom_fields, automations, workspace_members, workspaces
--   owner   + deletes the workspace, grants/revokes the owner role
-- The service role bypasses RLS (Edge Functions only); it is never used by the terminal client.
--
-- Policies call auth.uid() wrapped in a sub-select, `(select auth.uid())`, so PostgreSQL
-- evaluates it once per statement (Supabase's RLS performance advice). Membership is read by
-- SECURITY DEFINER helpers in schema track_internal (not exposed through the API) so that the
-- policies of workspace_members do not recurse into themselves.
--
-- References between rows (deal -> company, contact -> company, card -> stage, ...) are
-- checked by a trigger: a row may only reference rows of its own workspace, and owners /
-- assignees must be members of it. It runs for every writer, service role included.

create schema if not exists track_internal;
revoke all on schema track_internal from public;
grant usage on schema track_internal to authenticated, service_role;

create or replace function track_internal.role_rank(p_role text)
returns int language sql immutable set search_path = '' as $$
  select case p_role
           when 'owner' then 4
           when 'admin' then 3
           when 'member' then 2
           when 'viewer' then 1
           else case when p_role is null then 0 else 1 end  -- unknown roles read only
         end
$$;

-- Workspaces where the calling user holds at least `min_role`.
create or replace function track_internal.my_workspace_ids(min_role text default 'viewer')
returns setof uuid language sql stable security definer set search_path = '' as $$
  select wm.workspace_id
    from public.workspace_members wm
   where wm.user_id = (select auth.uid())
     and track_internal.role_rank(wm.role) >= track_internal.role_rank(min_role)
$$;

-- Users who share at least one workspace with the caller (and the caller).
create or replace function track_internal.my_colleague_ids()
returns setof uuid language sql stable security definer set search_path = '' as $$
  select distinct other.user_id
    from public.workspace_members mine
    join public.workspace_members other on other.workspace_id = mine.workspace_id
   where mine.user_id = (select auth.uid())
$$;

-- True when the workspace has no member yet and was created by the caller (bootstrap of the
-- first owner membership, see the workspace_members insert policy).
create or replace function track_internal.can_claim_workspace(p_workspace uuid)
returns boolean language sql stable security definer set search_path = '' as $$
  select exists (select 1 from public.workspaces w
                  where w.id = p_workspace and w.created_by = (select auth.uid()))
     and not exists (select 1 from public.workspace_members wm where wm.workspace_id = p_workspace)
$$;

-- The workspace a row of a domain table belongs to; NULL when there is no such row.
create or replace function track_internal.workspace_of(p_table text, p_id uuid)
returns uuid language sql stable security definer set search_path = '' as $$
  select case p_table
    when 'companies' then (select workspace_id from public.companies where id = p_id)
    when 'contacts' then (select workspace_id from public.contacts where id = p_id)
    when 'deals' then (select workspace_id from public.deals where id = p_id)
    when 'boards' then (select workspace_id from public.boards where id = p_id)
    when 'board_stages' then (select b.workspace_id from public.board_stages s
                                join public.boards b on b.id = s.board_id where s.id = p_id)
    when 'timeline_entries' then (select workspace_id from public.timeline_entries where id = p_id)
    when 'automations' then (select workspace_id from public.automations where id = p_id)
    when 'contact' then (select workspace_id from public.contacts where id = p_id)
    when 'company' then (select workspace_id from public.companies where id = p_id)
    when 'deal' then (select workspace_id from public.deals where id = p_id)
  end
$$;

create or replace function track_internal.require_same_workspace(p_column text, p_table text, p_id uuid, p_workspace uuid)
returns void language plpgsql stable security definer set search_path = '' as $$
begin
  if p_id is not null and track_internal.workspace_of(p_table, p_id) is distinct from p_workspace then
    -- Same message whether the row is elsewhere or absent: nothing leaks about other workspaces.
    raise exception 'Track: % does not refer to a row of this workspace', p_column
      using errcode = '42501', hint = 'References must stay inside one workspace.';
  end if;
end
$$;

create or replace function track_internal.require_member(p_column text, p_user uuid, p_workspace uuid)
returns void language plpgsql stable security definer set search_path = '' as $$
begin
  if p_user is not null and not exists (
       select 1 from public.workspace_members
        where workspace_id = p_workspace and user_id = p_user) then
    raise exception 'Track: % is not a member of this workspace', p_column
      using errcode = '42501';
  end if;
end
$$;

-- BEFORE INSERT OR UPDATE on domain tables: references stay within the row's workspace.
-- On UPDATE only changed references are checked, so existing rows keep working as they are.
create or replace function track_internal.check_references()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  ins boolean := tg_op = 'INSERT';
  n jsonb := to_jsonb(new);
  o jsonb := case when tg_op = 'UPDATE' then to_jsonb(old) else '{}'::jsonb end;
  ws uuid;
  col text;
  target text;
  rt text;
begin
  -- Rows never move between workspaces (their children and caches would be orphaned).
  if not ins and (n ? 'workspace_id') and tg_table_name in ('boards', 'companies', 'contacts', 'deals',
       'timeline_entries', 'tasks', 'custom_fields', 'automations')
     and (n->>'workspace_id') is distinct from (o->>'workspace_id') then
    raise exception 'Track: a row cannot move to another workspace' using errcode = '42501';
  end if;

  ws := case tg_table_name
          when 'board_stages' then track_internal.workspace_of('boards', (n->>'board_id')::uuid)
          when 'board_cards' then track_internal.workspace_of('boards', (n->>'board_id')::uuid)
          when 'deal_contacts' then track_internal.workspace_of('deals', (n->>'deal_id')::uuid)
          when 'automation_runs' then track_internal.workspace_of('automations', (n->>'automation_id')::uuid)
          else (n->>'workspace_id')::uuid
        end;
  if tg_table_name in ('board_stages', 'board_cards', 'deal_contacts', 'automation_runs') and not ins then
    -- A child cannot be re-parented into another workspace.
    if ws is distinct from (case tg_table_name
          when 'board_stages' then track_internal.workspace_of('boards', (o->>'board_id')::uuid)
          when 'board_cards' then track_internal.workspace_of('boards', (o->>'board_id')::uuid)
          when 'deal_contacts' then track_internal.workspace_of('deals', (o->>'deal_id')::uuid)
          when 'automation_runs' then track_internal.workspace_of('automations', (o->>'automation_id')::uuid)
        end) then
      raise exception 'Track: a row cannot move to another workspace' using errcode = '42501';
    end if;
  end if;

  -- column -> referenced table
  for col, target in
    select r.c, r.t from (values
      ('companies', 'parent_id', 'companies'),
      ('contacts', 'company_id', 'companies'),
      ('deals', 'company_id', 'companies'),
      ('deals', 'primary_contact_id', 'contacts'),
      ('deals', 'stage_id', 'board_stages'),
      ('deal_contacts', 'contact_id', 'contacts'),
      ('board_cards', 'stage_id', 'board_stages'),
      ('tasks', 'source_entry_id', 'timeline_entries')
    ) as r(tbl, c, t) where r.tbl = tg_table_name
  loop
    if ins or (n->>col) is distinct from (o->>col) then
      perform track_internal.require_same_workspace(col, target, (n->>col)::uuid, ws);
    end if;
  end loop;

  -- A card's stage belongs to the card's board.
  if tg_table_name = 'board_cards' and (ins or (n->>'stage_id') is distinct from (o->>'stage_id')
                                        or (n->>'board_id') is distinct from (o->>'board_id')) then
    if not exists (select 1 from public.board_stages s
                    where s.id = (n->>'stage_id')::uuid and s.board_id = (n->>'board_id')::uuid) then
      raise exception 'Track: stage_id is not a stage of this board' using errcode = '42501';
    end if;
  end if;

  -- Polymorphic record references (record_type + record_id) of cards, timeline entries, tasks.
  if tg_table_name in ('board_cards', 'timeline_entries', 'tasks')
     and (ins or (n->>'record_id') is distinct from (o->>'record_id')
              or (n->>'record_type') is distinct from (o->>'record_type')) then
    rt := n->>'record_type';
    if rt in ('contact', 'company', 'deal') then
      perform track_internal.require_same_workspace('record_id', rt, (n->>'record_id')::uuid, ws);
    end if;
  end if;

  -- People referenced by a row are members of its workspace.
  for col in
    select c from (values ('companies', 'owner_id'), ('contacts', 'owner_id'), ('deals', 'owner_id'),
                          ('tasks', 'assigned_to')) as r(tbl, c)
     where r.tbl = tg_table_name
  loop
    if ins or (n->>col) is distinct from (o->>col) then
      perform track_internal.require_member(col, (n->>col)::uuid, ws);
    end if;
  end loop;

  return new;
end
$$;

do $$
declare t text;
begin
  foreach t in array array['boards', 'board_stages', 'board_cards', 'companies', 'contacts', 'deals',
                           'deal_contacts', 'timeline_entries', 'tasks', 'custom_fields', 'automations',
                           'automation_runs']
  loop
    execute format('drop trigger if exists track_20_check_references on public.%I', t);
    execute format('create trigger track_20_check_references before insert or update on public.%I
                      for each row execute function track_internal.check_references()', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Enable RLS and (re)create the policies
-- ---------------------------------------------------------------------------------------------

do $$
declare t text; p record;
begin
  foreach t in array array['profiles', 'workspaces', 'workspace_members', 'audit_log', 'boards',
                           'board_stages', 'board_cards', 'contacts', 'companies', 'deals',
                           'deal_contacts', 'timeline_entries', 'tasks', 'custom_fields',
                           'automations', 'automation_runs', 'search_index']
  loop
    execute format('alter table public.%I enable row level security', t);
    -- Drop only our own policies (named track_*); the web app's policies are left alone.
    for p in select policyname from pg_policies
              where schemaname = 'public' and tablename = t and policyname like 'track\_%'
    loop
      execute format('drop policy %I on public.%I', p.policyname, t);
    end loop;
  end loop;
end
$$;

-- Tables with their own workspace_id: read by any member, written by `writer` or better.
do $$
declare
  t text; writer text;
begin
  for t, writer in
    select * from (values ('contacts', 'member'), ('companies', 'member'), ('deals', 'member'),
                          ('tasks', 'member'), ('boards', 'admin'), ('custom_fields', 'admin'),
                          ('automations', 'admin')) as v(t, w)
  loop
    execute format($p$create policy track_select on public.%1$I for select to authenticated
      using (workspace_id in (select track_internal.my_workspace_ids('viewer')))$p$, t);
    execute format($p$create policy track_insert on public.%1$I for insert to authenticated
      with check (workspace_id in (select track_internal.my_workspace_ids(%2$L)))$p$, t, writer);
    execute format($p$create policy track_update on public.%1$I for update to authenticated
      using (workspace_id in (select track_internal.my_workspace_ids(%2$L)))
      with check (workspace_id in (select track_internal.my_workspace_ids(%2$L)))$p$, t, writer);
    execute format($p$create policy track_delete on public.%1$I for delete to authenticated
      using (workspace_id in (select track_internal.my_workspace_ids(%2$L)))$p$, t, writer);
  end loop;
end
$$;

-- Timeline entries: members add entries as themselves; authors and admins edit/delete them.
create policy track_select on public.timeline_entries for select to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('viewer')));
create policy track_insert on public.timeline_entries for insert to authenticated
  with check (workspace_id in (select track_internal.my_workspace_ids('member'))
              and author_id = (select auth.uid()));
create policy track_update on public.timeline_entries for update to authenticated
  using ((workspace_id in (select track_internal.my_workspace_ids('member')) and author_id = (select auth.uid()))
         or workspace_id in (select track_internal.my_workspace_ids('admin')))
  with check ((workspace_id in (select track_internal.my_workspace_ids('member')) and author_id = (select auth.uid()))
              or workspace_id in (select track_internal.my_workspace_ids('admin')));
create policy track_delete on public.timeline_entries for delete to authenticated
  using ((workspace_id in (select track_internal.my_workspace_ids('member')) and author_id = (select auth.uid()))
         or workspace_id in (select track_internal.my_workspace_ids('admin')));

-- Child tables, through their parent.
create policy track_select on public.board_stages for select to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('viewer'))));
create policy track_insert on public.board_stages for insert to authenticated
  with check (board_id in (select b.id from public.boards b
                            where b.workspace_id in (select track_internal.my_workspace_ids('admin'))));
create policy track_update on public.board_stages for update to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('admin'))))
  with check (board_id in (select b.id from public.boards b
                            where b.workspace_id in (select track_internal.my_workspace_ids('admin'))));
create policy track_delete on public.board_stages for delete to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('admin'))));

create policy track_select on public.board_cards for select to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('viewer'))));
create policy track_insert on public.board_cards for insert to authenticated
  with check (board_id in (select b.id from public.boards b
                            where b.workspace_id in (select track_internal.my_workspace_ids('member'))));
create policy track_update on public.board_cards for update to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('member'))))
  with check (board_id in (select b.id from public.boards b
                            where b.workspace_id in (select track_internal.my_workspace_ids('member'))));
create policy track_delete on public.board_cards for delete to authenticated
  using (board_id in (select b.id from public.boards b
                       where b.workspace_id in (select track_internal.my_workspace_ids('member'))));

create policy track_select on public.deal_contacts for select to authenticated
  using (deal_id in (select d.id from public.deals d
                      where d.workspace_id in (select track_internal.my_workspace_ids('viewer'))));
create policy track_insert on public.deal_contacts for insert to authenticated
  with check (deal_id in (select d.id from public.deals d
                           where d.workspace_id in (select track_internal.my_workspace_ids('member'))));
create policy track_update on public.deal_contacts for update to authenticated
  using (deal_id in (select d.id from public.deals d
                      where d.workspace_id in (select track_internal.my_workspace_ids('member'))))
  with check (deal_id in (select d.id from public.deals d
                           where d.workspace_id in (select track_internal.my_workspace_ids('member'))));
create policy track_delete on public.deal_contacts for delete to authenticated
  using (deal_id in (select d.id from public.deals d
                      where d.workspace_id in (select track_internal.my_workspace_ids('member'))));

-- automation_runs is the Edge Function runner's log (service role): members read it only.
create policy track_select on public.automation_runs for select to authenticated
  using (automation_id in (select a.id from public.automations a
                            where a.workspace_id in (select track_internal.my_workspace_ids('viewer'))));

-- search_index and audit_log are written by triggers only; members read their workspace's rows.
create policy track_select on public.search_index for select to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('viewer')));
create policy track_select on public.audit_log for select to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('viewer')));

-- Workspaces: members read; anyone signed in creates one (as its creator); admins rename;
-- owners delete. The creator can read the new row before joining it (INSERT ... RETURNING).
create policy track_select on public.workspaces for select to authenticated
  using (id in (select track_internal.my_workspace_ids('viewer')) or created_by = (select auth.uid()));
create policy track_insert on public.workspaces for insert to authenticated
  with check (created_by = (select auth.uid()));
create policy track_update on public.workspaces for update to authenticated
  using (id in (select track_internal.my_workspace_ids('admin')))
  with check (id in (select track_internal.my_workspace_ids('admin')));
create policy track_delete on public.workspaces for delete to authenticated
  using (id in (select track_internal.my_workspace_ids('owner')));

-- Members: everyone in a workspace sees its members. Admins add, change and remove members;
-- only owners grant, change or revoke the owner role. Anyone may leave (delete their own row).
-- The creator of a workspace without members adds themselves as its first owner.
create policy track_select on public.workspace_members for select to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('viewer')));
create policy track_insert on public.workspace_members for insert to authenticated
  with check (
    (workspace_id in (select track_internal.my_workspace_ids('admin'))
     and (role <> 'owner' or workspace_id in (select track_internal.my_workspace_ids('owner'))))
    or (user_id = (select auth.uid()) and role = 'owner' and track_internal.can_claim_workspace(workspace_id)));
create policy track_update on public.workspace_members for update to authenticated
  using (workspace_id in (select track_internal.my_workspace_ids('admin'))
         and (role <> 'owner' or workspace_id in (select track_internal.my_workspace_ids('owner'))))
  with check (workspace_id in (select track_internal.my_workspace_ids('admin'))
              and (role <> 'owner' or workspace_id in (select track_internal.my_workspace_ids('owner'))));
create policy track_delete on public.workspace_members for delete to authenticated
  using (user_id = (select auth.uid())
         or (workspace_id in (select track_internal.my_workspace_ids('admin'))
             and (role <> 'owner' or workspace_id in (select track_internal.my_workspace_ids('owner')))));

-- Profiles: your own, and those of people who share a workspace with you; you edit only yours.
create policy track_select on public.profiles for select to authenticated
  using (id = (select auth.uid()) or id in (select track_internal.my_colleague_ids()));
create policy track_insert on public.profiles for insert to authenticated
  with check (id = (select auth.uid()));
create policy track_update on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- Grants. Supabase's default privileges already give the API roles table privileges; they
-- are repeated here for projects whose defaults differ. RLS decides which rows.
grant select, insert, update, delete on public.profiles, public.workspaces, public.workspace_members,
  public.boards, public.board_stages, public.board_cards, public.contacts, public.companies,
  public.deals, public.deal_contacts, public.timeline_entries, public.tasks, public.custom_fields,
  public.automations, public.automation_runs, public.search_index, public.audit_log
  to authenticated, service_role;
-- Policies call only these helpers; everything else in track_internal runs inside SECURITY
-- DEFINER triggers and is not callable by the API roles.
revoke execute on all functions in schema track_internal from public, anon, authenticated;
grant execute on function track_internal.role_rank(text), track_internal.my_workspace_ids(text),
  track_internal.my_colleague_ids(), track_internal.can_claim_workspace(uuid)
  to authenticated, service_role;
