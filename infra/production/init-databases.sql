-- Each service owns its database and logs in as its own role, never as the superuser: a service
-- can neither read another's data nor change the server. Run by the postgres image on first start
-- (docker-entrypoint-initdb.d), by psql, which reads the passwords from the container's environment.
\getenv issuance_password ISSUANCE_DB_PASSWORD
\getenv venues_password VENUES_DB_PASSWORD
\getenv usage_password USAGE_DB_PASSWORD
\getenv stats_password STATS_DB_PASSWORD
\getenv integrations_password INTEGRATIONS_DB_PASSWORD
\getenv notifications_password NOTIFICATIONS_DB_PASSWORD

CREATE ROLE issuance LOGIN PASSWORD :'issuance_password';
CREATE ROLE venues LOGIN PASSWORD :'venues_password';
CREATE ROLE usage LOGIN PASSWORD :'usage_password';
CREATE ROLE stats LOGIN PASSWORD :'stats_password';
CREATE ROLE integrations LOGIN PASSWORD :'integrations_password';
CREATE ROLE notifications LOGIN PASSWORD :'notifications_password';

-- The owner may create its tables (the services migrate their own schema at start-up).
CREATE DATABASE issuance OWNER issuance;
CREATE DATABASE venues OWNER venues;
CREATE DATABASE usage OWNER usage;
CREATE DATABASE stats OWNER stats;
CREATE DATABASE integrations OWNER integrations;
CREATE DATABASE notifications OWNER notifications;

REVOKE ALL ON DATABASE issuance, venues, usage, stats, integrations, notifications FROM PUBLIC;
