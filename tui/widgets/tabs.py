"""Tabs whose tab in front is the one the operator last chose, however busy the terminal is.

Textual brings a pane to the front when a widget inside it gets the focus. That news goes round
several message queues (the widget's Focus, its pane's DescendantFocus, the pane's Focused) and
lands late on a busy terminal: a focus given to the Holds table just before the operator's → then
brings Holds back over the tab the key chose, and the key looks lost. Here a pane comes to the
front only if the focus is still inside it when that news lands, and a tab change takes the focus
out of the pane left at once (the screen then focuses the new tab's table)."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane


class SteadyTabs(TabbedContent):
    """A TabbedContent that a focus given before the last tab change cannot switch back."""

    def _pane_of(self, widget: Widget | None) -> TabPane | None:
        """The pane of these tabs that ``widget`` is in (None: in none of them)."""
        if widget is None:
            return None
        for node in widget.ancestors_with_self:
            if isinstance(node, TabPane) and node.parent is not None and node.parent.parent is self:
                return node
        return None

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        if not self.is_attached or self._pane_of(self.screen.focused) is not event.tab_pane:
            # The focus that sent this has moved on since (the operator changed tabs): the
            # pane it was in stays behind.
            event.stop()
            event.prevent_default()

    def watch_active(self, active: str) -> None:
        """Take the focus out of a pane that is no longer in front, before anything queued for
        that pane can bring it back."""
        if not self.is_attached:
            return
        pane = self._pane_of(self.screen.focused)
        if pane is not None and pane.id != active:
            self.screen.set_focus(None)
