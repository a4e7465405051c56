"""The Slack app: slash commands, interactivity and installation (Bolt for Python)."""
