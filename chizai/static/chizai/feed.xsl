<?xml version="1.0" encoding="utf-8"?>
<!-- The model case feed as a page, for a browser that opens it: what it is, where to read the cases.
     Feed readers ignore this; the page uses the app's own style sheet (no external request). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/atom:feed">
    <html lang="ja">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>新着フィード（フィードリーダー用） | 地域知財活性化 モデル事例</title>
        <link rel="stylesheet" href="/static/chizai/app.css"/>
      </head>
      <body class="public">
        <main id="main">
          <div class="page-head">
            <h1><xsl:value-of select="atom:title"/></h1>
            <p class="lead">このページは、フィードリーダーに登録するためのアドレスです。ブラウザーのアドレス欄のURLをコピーして、フィードリーダーの「購読を追加」に貼り付けてください。</p>
            <p><a href="/model-cases/feed/">購読の手順</a> ・ <a href="/model-cases/">事例の一覧に戻る</a></p>
          </div>
          <h2>最近公開された事例</h2>
          <ul class="feed-latest">
            <xsl:for-each select="atom:entry">
              <li><a href="{atom:link/@href}"><xsl:value-of select="atom:title"/></a></li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
