from .balance import BalanceView

__all__ = ["BalanceView"]
