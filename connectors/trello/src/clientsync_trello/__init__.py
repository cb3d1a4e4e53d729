"""clientsync's Trello connector: a board, live through py-trello or from its JSON export."""

from .connector import TrelloConnector

__all__ = ["TrelloConnector"]
