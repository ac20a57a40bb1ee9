-- Track: columns the terminal client uses that the reference schema leaves out (additive only).
--
--   deals.tags, companies.tags   the reference gives tags to contacts only; a reviewer filters
--                                and searches deals and companies by tag as well
--   custom_fields.position       the order in which a workspace shows its custom fields
--
-- The web app ignores these columns; their defaults keep its inserts valid.

alter table public.deals add column if not exists tags text[] not null default '{}';
alter table public.companies add column if not exists tags text[] not null default '{}';
alter table public.custom_fields add column if not exists position int not null default 0;

create index if not exists deals_tags_idx on public.deals using gin (tags);
create index if not exists companies_tags_idx on public.companies using gin (tags);
