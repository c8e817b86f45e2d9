"""Task workers and their heartbeats."""

from __future__ import annotations

from django.db import models


class Worker(models.Model):
    """One running `chizai db_worker` process (バックグラウンド処理のワーカー), beating every few seconds.

    A worker whose beat stopped (killed, its server lost) is dead: the tasks it was running are failed and each app
    is told (chizai.workers.hooks), so an import it was applying says 「中断」 at once instead of 「反映中」 forever.
    A worker that stops cleanly removes its row.
    """

    worker_id = models.CharField("ワーカーID", max_length=64, unique=True)
    hostname = models.CharField("ホスト名", max_length=255)
    pid = models.PositiveIntegerField("プロセスID")
    started_at = models.DateTimeField("起動日時")
    last_seen_at = models.DateTimeField("最終応答日時", db_index=True)

    class Meta:
        verbose_name = "ワーカー"
        verbose_name_plural = "ワーカー"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id}（{self.hostname} pid {self.pid}）"
