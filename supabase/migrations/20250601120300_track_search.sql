-- Track: search_index kept current by triggers, pg_trgm + GIN indexes, and the search RPC.
--
-- One search_index row per live contact, company and deal (soft-deleted records have none):
--   tsv      weighted tsvector ('simple' configuration: names are not stemmed)
--            A: name; B: email, phone, title, tags (contacts) / domain, industry, tags
--            (companies) / tags (deals);
--            C: values of the record's searchable custom fields (custom_fields.searchable)
--   trigram  the same text, lower-cased, for pg_trgm's typo-tolerant word similarity
--   name     the record's name, for display in results
-- Emails and domains are also indexed split at punctuation ("ada", "example", "com").
-- The index follows inserts, updates (renames, custom field edits, soft delete and undo),
-- hard deletes, and changes to custom field definitions (searchable on/off, key).

create extension if not exists pg_trgm with schema extensions;

alter table public.search_index add column if not exists name text;
alter table public.search_index add column if not exists updated_at timestamptz not null default now();
create index if not exists search_index_record_idx on public.search_index (record_type, record_id);
create index if not exists search_index_workspace_idx on public.search_index (workspace_id, record_type);
create index if not exists search_index_tsv_idx on public.search_index using gin (tsv);
do $$
declare ext_schema text;
begin
  -- pg_trgm lives in `extensions` on Supabase, but a project may have installed it elsewhere.
  select n.nspname into ext_schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
   where e.extname = 'pg_trgm';
  execute format('create index if not exists search_index_trigram_idx on public.search_index
                    using gin (trigram %I.gin_trgm_ops)', ext_schema);
end
$$;

-- Text of the searchable custom fields' values of one record.
create or replace function track_internal.searchable_custom_text(p_workspace uuid, p_record_type text, p_values jsonb)
returns text language sql stable security definer set search_path = '' as $$
  select string_agg(v.txt, ' ')
    from public.custom_fields cf
    cross join lateral (
      select case jsonb_typeof(p_values -> cf.key)
               when 'array' then (select string_agg(e #>> '{}', ' ') from jsonb_array_elements(p_values -> cf.key) e)
               when 'object' then (select string_agg(e.value, ' ') from jsonb_each_text(p_values -> cf.key) e)
               else p_values ->> cf.key
             end as txt
    ) v
   where cf.workspace_id = p_workspace
     and cf.record_type = p_record_type
     and cf.searchable
     and p_values ? cf.key
     and v.txt is not null
$$;

-- Rebuild the search_index row of one record (removes it when the record is gone or soft-deleted).
create or replace function track_internal.refresh_search_entry(p_record_type text, p_id uuid)
returns void language plpgsql security definer set search_path = '' as $$
declare
  r record;
  extra text;
begin
  delete from public.search_index where record_type = p_record_type and record_id = p_id;
  if p_record_type = 'contact' then
    select c.workspace_id, c.name, c.deleted_at, c.custom_fields,
           concat_ws(' ', c.email, regexp_replace(coalesce(c.email, ''), '[@._+-]+', ' ', 'g'),
                     c.phone, c.title, array_to_string(c.tags, ' ')) as details
      into r from public.contacts c where c.id = p_id;
  elsif p_record_type = 'company' then
    select c.workspace_id, c.name, c.deleted_at, c.custom_fields,
           concat_ws(' ', c.domain, regexp_replace(coalesce(c.domain, ''), '[._-]+', ' ', 'g'),
                     c.industry, array_to_string(c.tags, ' ')) as details
      into r from public.companies c where c.id = p_id;
  elsif p_record_type = 'deal' then
    select d.workspace_id, d.name, d.deleted_at, d.custom_fields,
           nullif(array_to_string(d.tags, ' '), '') as details
      into r from public.deals d where d.id = p_id;
  else
    return;
  end if;
  if not found or r.deleted_at is not null
     or not exists (select 1 from public.workspaces w where w.id = r.workspace_id) then
    return;
  end if;
  extra := track_internal.searchable_custom_text(r.workspace_id, p_record_type, coalesce(r.custom_fields, '{}'::jsonb));
  insert into public.search_index (workspace_id, record_type, record_id, name, tsv, trigram, updated_at)
  values (r.workspace_id, p_record_type, p_id, r.name,
          setweight(to_tsvector('simple', coalesce(r.name, '')), 'A')
            || setweight(to_tsvector('simple', coalesce(r.details, '')), 'B')
            || setweight(to_tsvector('simple', coalesce(extra, '')), 'C'),
          lower(concat_ws(' ', r.name, r.details, extra)),
          clock_timestamp());
end
$$;

create or replace function track_internal.search_index_record()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  rt text := case tg_table_name when 'contacts' then 'contact' when 'companies' then 'company' else 'deal' end;
begin
  if tg_op = 'DELETE' then
    delete from public.search_index where record_type = rt and record_id = old.id;
  else
    perform track_internal.refresh_search_entry(rt, new.id);
  end if;
  return null;
end
$$;

do $$
declare t text;
begin
  foreach t in array array['contacts', 'companies', 'deals'] loop
    execute format('drop trigger if exists track_50_search_index on public.%I', t);
    execute format('create trigger track_50_search_index after insert or update or delete on public.%I
                      for each row execute function track_internal.search_index_record()', t);
  end loop;
end
$$;

-- A custom field definition changed: rebuild the records of that type holding the key.
create or replace function track_internal.search_index_custom_field()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  d record;
  tbl text;
begin
  if tg_op = 'UPDATE' and old.searchable is not distinct from new.searchable
     and old.key is not distinct from new.key and old.record_type is not distinct from new.record_type then
    return null;
  end if;
  for d in select * from (select old.workspace_id, old.record_type, old.key where tg_op <> 'INSERT'
                          union
                          select new.workspace_id, new.record_type, new.key where tg_op <> 'DELETE') x(ws, rt, k)
  loop
    if not exists (select 1 from public.workspaces where id = d.ws) then
      continue;  -- the whole workspace is being deleted
    end if;
    tbl := case d.rt when 'contact' then 'contacts' when 'company' then 'companies' when 'deal' then 'deals' end;
    if tbl is null then continue; end if;
    execute format('select track_internal.refresh_search_entry($1, id) from public.%I
                     where workspace_id = $2 and custom_fields ? $3', tbl)
      using d.rt, d.ws, d.k;
  end loop;
  return null;
end
$$;

drop trigger if exists track_50_search_index on public.custom_fields;
create trigger track_50_search_index after insert or update or delete on public.custom_fields
  for each row execute function track_internal.search_index_custom_field();

-- Index records that have no entry of ours yet (all of them on first apply; none on re-runs).
select track_internal.refresh_search_entry('contact', c.id) from public.contacts c
 where not exists (select 1 from public.search_index s
                    where s.record_type = 'contact' and s.record_id = c.id and s.name is not null);
select track_internal.refresh_search_entry('company', c.id) from public.companies c
 where not exists (select 1 from public.search_index s
                    where s.record_type = 'company' and s.record_id = c.id and s.name is not null);
select track_internal.refresh_search_entry('deal', d.id) from public.deals d
 where not exists (select 1 from public.search_index s
                    where s.record_type = 'deal' and s.record_id = d.id and s.name is not null);

revoke execute on function track_internal.searchable_custom_text(uuid, text, jsonb),
  track_internal.refresh_search_entry(text, uuid), track_internal.search_index_record(),
  track_internal.search_index_custom_field() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- The search RPC: POST /rest/v1/rpc/search_records {"query": "...", "max_results": 20}
-- ---------------------------------------------------------------------------------------------
-- SECURITY INVOKER: it reads search_index under the caller's RLS, so it only ever returns
-- records of the caller's workspaces. Full-text matches (every word, as a prefix) come first,
-- ranked by ts_rank_cd; then typo-tolerant trigram matches (pg_trgm word similarity) that the
-- full-text pass did not find, ranked by similarity.
create or replace function public.search_records(query text, max_results int default 50, in_workspace uuid default null)
returns table (record_type text, record_id uuid, name text, rank real, match_kind text)
language sql stable security invoker
set search_path = public, extensions, pg_temp
set pg_trgm.word_similarity_threshold = 0.5
as $$
  with q as (
    select lower(btrim(query)) as raw,
           (select to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & '))
              from regexp_split_to_table(lower(query), '[^[:alnum:]]+') as w
             where w <> '') as tsq
  ),
  fulltext as (
    select s.record_type, s.record_id, s.name, ts_rank_cd(s.tsv, q.tsq)::real as rank
      from public.search_index s, q
     where q.tsq is not null
       and s.tsv @@ q.tsq
       and (in_workspace is null or s.workspace_id = in_workspace)
     order by 4 desc, s.name
     limit greatest(max_results, 0)
  ),
  fuzzy as (
    select s.record_type, s.record_id, s.name, word_similarity(q.raw, s.trigram)::real as rank
      from public.search_index s, q
     where q.raw <> ''
       and q.raw <% s.trigram
       and (in_workspace is null or s.workspace_id = in_workspace)
       and not exists (select 1 from fulltext f where f.record_type = s.record_type and f.record_id = s.record_id)
     order by 4 desc, s.name
     limit greatest(max_results, 0)
  )
  select r.record_type, r.record_id, r.name, r.rank, r.match_kind
    from (select f.*, 'fulltext'::text as match_kind, 0 as pass from fulltext f
          union all
          select z.*, 'trigram'::text, 1 from fuzzy z) r
   order by r.pass, r.rank desc, r.name, r.record_id
   limit greatest(max_results, 0)
$$;

revoke execute on function public.search_records(text, int, uuid) from public, anon;
grant execute on function public.search_records(text, int, uuid) to authenticated, service_role;
