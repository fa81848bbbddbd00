-- school_aggregates:additive
SELECT
  *
FROM (
  SELECT
    "t5"."org_id",
    "t5"."year",
    "t5"."procedure",
    "t5"."subject",
    "t5"."grade",
    "t5"."n0",
    "t5"."d0",
    "t5"."n1",
    "t5"."d1",
    "t5"."n2",
    "t5"."d2",
    "t5"."n3",
    "t5"."d3",
    "t5"."n4",
    "t5"."d4",
    "t5"."n5",
    "t5"."d5",
    "t5"."n6",
    "t5"."d6",
    "t5"."n7",
    "t5"."d7",
    "t5"."n8",
    "t5"."d8",
    "t2"."territory_id"
  FROM (
    SELECT
      "t3"."org_id",
      "t3"."year",
      "t3"."procedure",
      "t3"."subject",
      "t3"."grade",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_220_plus'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_220_plus'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n0",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_220_plus'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d0",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_160_plus'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_160_plus'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n1",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_160_plus'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d1",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN "t3"."value"
              ELSE 0.0
            END
          ) / CAST(SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) AS DOUBLE)
        ) * SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n2",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d2",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_below_threshold'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_below_threshold'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n3",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_below_threshold'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d3",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_mark_2'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n4",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'EGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'EGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d4",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_mark_2'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n5",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d5",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_4'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_5'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND "t3"."measure" IN ('count_mark_4', 'count_mark_5')
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n6",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_4'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_5'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d6",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN "t3"."value"
              ELSE 0.0
            END
          ) / CAST(SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) AS DOUBLE)
        ) * SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n7",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'mean_score'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'OGE'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'OGE'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d7",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'VPR'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'VPR'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'VPR'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'count_mark_2'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "n8",
      CASE
        WHEN (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'VPR'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'count_mark_2'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        AND (
          SUM(
            CASE
              WHEN (
                "t3"."procedure" = 'VPR'
              )
              AND (
                "t3"."value" IS NOT NULL
              )
              AND (
                "t3"."measure" = 'sat'
              )
              THEN 1
              ELSE 0
            END
          ) > 0
        )
        THEN SUM(
          CASE
            WHEN (
              "t3"."procedure" = 'VPR'
            )
            AND (
              "t3"."value" IS NOT NULL
            )
            AND (
              "t3"."measure" = 'sat'
            )
            THEN "t3"."value"
            ELSE 0.0
          END
        )
        ELSE CAST(NULL AS DOUBLE)
      END AS "d8"
    FROM (
      SELECT
        *
      FROM "school_aggregates" AS "t1"
      WHERE
        "t1"."procedure" IN ('EGE', 'OGE', 'VPR')
    ) AS "t3"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t5"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t5"."org_id" = "t2"."org_id"
) AS "t6"
ORDER BY
  "t6"."year" ASC,
  "t6"."territory_id" ASC NULLS FIRST,
  "t6"."org_id" ASC;
