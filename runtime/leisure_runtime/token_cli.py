"""`leisure-token`: mint a staff token for local use, e.g.

    leisure-token --role venue_staff --venue 5f0c… --region uusimaa --ttl 3600

The secret comes from --secret or LEISURE_JWT_SECRET, else the services' local default, so a
token minted here is accepted by services started locally. Production tokens come from the
identity provider.
"""

import argparse
import os
import sys
import uuid

from pydantic import ValidationError

from leisure_runtime.auth import AuthSettings, Role, explain, mint_token
from leisure_runtime.settings import ServiceSettings


def main(argv: list[str] | None = None) -> None:
    defaults = ServiceSettings.model_fields
    parser = argparse.ArgumentParser(prog="leisure-token", description="Print a signed staff token.")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--subject", help="opaque staff id (default: a random one)")
    parser.add_argument("--region")
    parser.add_argument("--organisation", help="the distributor's organisation id")
    parser.add_argument("--venue", dest="venues", metavar="VENUE_ID", action="append", default=[],
                        help="a venue id of venue staff; repeat for several")
    parser.add_argument("--national", action="store_true", help="for the whole country, no region")
    parser.add_argument("--secret", help="HS256 secret (default: $LEISURE_JWT_SECRET or the local one)",
                        default=os.environ.get("LEISURE_JWT_SECRET", defaults["jwt_secret"].default))
    parser.add_argument("--issuer", default=defaults["jwt_issuer"].default)
    parser.add_argument("--audience", default=defaults["jwt_audience"].default)
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    args = parser.parse_args(argv)

    try:
        settings = AuthSettings(jwt_secret=args.secret, issuer=args.issuer, audience=args.audience)
        token = mint_token(settings, args.role, args.subject or str(uuid.uuid4()), region=args.region,
                           organisation=args.organisation, venues=args.venues, national=args.national,
                           ttl_seconds=args.ttl)
    except ValidationError as error:
        parser.error(explain(error))
    sys.stdout.write(token + "\n")


if __name__ == "__main__":
    main()
