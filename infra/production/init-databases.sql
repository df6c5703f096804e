-- Each service owns its database; none reads another's.
CREATE DATABASE issuance;
CREATE DATABASE venues;
CREATE DATABASE usage;
CREATE DATABASE stats;
CREATE DATABASE integrations;
