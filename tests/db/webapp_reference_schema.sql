-- The plain reference schema as a project that already runs the Track web app has it: the
-- documented columns only (no sync columns, no deal_contacts.id, no workspace_id on child
-- tables), the web app's own RLS policies, and platform tables with columns of its own choosing
-- (profiles.workspace_role, a uuid audit_log key, no old/new data).
create table public.workspaces (id uuid primary key default gen_random_uuid(), name text not null,
                                created_at timestamptz default now());
create table public.profiles (id uuid primary key references auth.users on delete cascade,
                              full_name text, avatar_url text, workspace_role text);
create table public.workspace_members (workspace_id uuid references public.workspaces on delete cascade,
                                       user_id uuid references auth.users on delete cascade,
                                       role text not null default 'member',
                                       primary key (workspace_id, user_id));
create table public.audit_log (id uuid primary key default gen_random_uuid(),
                               workspace_id uuid references public.workspaces on delete cascade,
                               actor_id uuid, action text, table_name text, record_id text,
                               created_at timestamptz default now());
create table public.boards (id uuid primary key default gen_random_uuid(), workspace_id uuid references public.workspaces,
                            name text, record_type text, is_archived bool, created_by uuid references auth.users,
                            created_at timestamptz default now());
create table public.board_stages (id uuid primary key default gen_random_uuid(), board_id uuid references public.boards,
                                  name text, position int, stage_type text, probability numeric);
create table public.companies (id uuid primary key default gen_random_uuid(), workspace_id uuid references public.workspaces,
                               name text, domain text, industry text, size text,
                               parent_id uuid references public.companies, owner_id uuid references auth.users,
                               custom_fields jsonb, deleted_at timestamptz);
create table public.contacts (id uuid primary key default gen_random_uuid(), workspace_id uuid references public.workspaces,
                              name text, email text, phone text, title text,
                              company_id uuid references public.companies, owner_id uuid references auth.users,
                              tags text[], custom_fields jsonb, deleted_at timestamptz);
create table public.deals (id uuid primary key default gen_random_uuid(), workspace_id uuid references public.workspaces,
                           name text, value_cents bigint, currency text, stage_id uuid references public.board_stages,
                           close_date date, probability numeric, primary_contact_id uuid references public.contacts,
                           company_id uuid references public.companies, owner_id uuid references auth.users,
                           custom_fields jsonb, deleted_at timestamptz);
create table public.deal_contacts (deal_id uuid references public.deals on delete cascade,
                                   contact_id uuid references public.contacts on delete cascade, role text,
                                   primary key (deal_id, contact_id));
create table public.board_cards (id uuid primary key default gen_random_uuid(), board_id uuid references public.boards,
                                 stage_id uuid references public.board_stages, record_type text, record_id uuid,
                                 position int);
create table public.timeline_entries (id uuid primary key default gen_random_uuid(),
                                      workspace_id uuid references public.workspaces, record_type text, record_id uuid,
                                      entry_type text, author_id uuid references auth.users, body text, payload jsonb,
                                      created_at timestamptz default now());
create table public.tasks (id uuid primary key default gen_random_uuid(), workspace_id uuid references public.workspaces,
                           record_type text, record_id uuid, title text, description text,
                           assigned_to uuid references auth.users, due_date date, status text,
                           source_entry_id uuid references public.timeline_entries);
create table public.custom_fields (id uuid primary key default gen_random_uuid(),
                                   workspace_id uuid references public.workspaces, record_type text, name text,
                                   key text, type text, config jsonb, searchable bool);
create table public.automations (id uuid primary key default gen_random_uuid(),
                                 workspace_id uuid references public.workspaces, name text, trigger jsonb,
                                 conditions jsonb, actions jsonb, is_enabled bool);
create table public.automation_runs (id uuid primary key default gen_random_uuid(),
                                     automation_id uuid references public.automations, record_id uuid, status text,
                                     duration_ms int, error text, run_at timestamptz default now());
create table public.search_index (id uuid primary key default gen_random_uuid(),
                                  workspace_id uuid references public.workspaces, record_type text, record_id uuid,
                                  tsv tsvector, trigram text);

-- The web app's own policies ("workspace_id = user's workspace").
do $$
declare t text;
begin
  foreach t in array array['profiles', 'workspaces', 'workspace_members', 'audit_log', 'boards', 'board_stages',
                           'board_cards', 'contacts', 'companies', 'deals', 'deal_contacts', 'timeline_entries',
                           'tasks', 'custom_fields', 'automations', 'automation_runs', 'search_index'] loop
    execute format('alter table public.%I enable row level security', t);
  end loop;
  foreach t in array array['boards', 'contacts', 'companies', 'deals', 'timeline_entries', 'tasks',
                           'custom_fields', 'automations', 'search_index'] loop
    execute format($p$create policy "web: workspace members" on public.%I for all to authenticated
      using (workspace_id in (select workspace_id from public.workspace_members where user_id = auth.uid()))$p$, t);
  end loop;
end
$$;
create policy "web: own memberships" on public.workspace_members for select to authenticated
  using (user_id = auth.uid());
